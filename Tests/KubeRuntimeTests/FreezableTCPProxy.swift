import Foundation

/// A loopback TCP proxy whose connections can be frozen: a frozen connection stays open but forwards nothing in
/// either direction (bytes are read and dropped), like a load balancer that lost the flow or a half-open TCP
/// connection after a partition. New connections keep working. Plain POSIX sockets and one thread per direction.
final class FreezableTCPProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let targetPort: Int
    private let lock = NSLock()
    private var sockets: [Int32] = []
    private var frozen: Set<Int> = []
    private var nextConnection = 0
    private var closed = false

    init(targetPort: Int) throws {
        self.targetPort = targetPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    /// Every connection open now stops forwarding (and stays open); later connections forward normally.
    func freezeOpenConnections() {
        lock.withLock { frozen.formUnion(0..<nextConnection) }
    }

    /// How many connections have been accepted so far.
    var acceptedConnections: Int { lock.withLock { nextConnection } }

    func stop() {
        let all = lock.withLock { () -> [Int32] in
            closed = true
            return sockets
        }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for s in all { shutdown(s, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: targetPort)
            let connected = withUnsafePointer(to: &address) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            guard connected else { close(client); close(upstream); continue }
            let id: Int? = lock.withLock {
                if closed { return nil }
                sockets += [client, upstream]
                defer { nextConnection += 1 }
                return nextConnection
            }
            guard let id else { close(client); close(upstream); return }
            Thread.detachNewThread { [self] in pump(from: client, to: upstream, connection: id) }
            Thread.detachNewThread { [self] in pump(from: upstream, to: client, connection: id) }
        }
    }

    private func pump(from source: Int32, to destination: Int32, connection: Int) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            if lock.withLock({ frozen.contains(connection) }) { continue }
            var sent = 0
            while sent < n {
                let m = buffer.withUnsafeBytes { write(destination, $0.baseAddress! + sent, n - sent) }
                guard m > 0 else { break }
                sent += m
            }
        }
        // The peer closed (or stop() shut it down): pass the end on, unless frozen (a dead path passes nothing).
        if !lock.withLock({ frozen.contains(connection) }) { shutdown(destination, Int32(SHUT_WR)) }
    }
}
