/// A port number that becomes known once a server binds; `value` waits for it.
actor PortPromise {
    private var port: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []

    func fulfil(_ port: Int) {
        guard self.port == nil else { return }
        self.port = port
        for waiter in waiters { waiter.resume(returning: port) }
        waiters = []
    }

    var value: Int {
        get async {
            if let port { return port }
            return await withCheckedContinuation { waiters.append($0) }
        }
    }
}
