import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// N raw HTTP/1.1 watch connections, each read on its own thread, recording when each watcher first sees the
/// change named `fanout-<n>`. Blocking sockets keep the measurement free of client-library overhead.
final class WatchFanout: @unchecked Sendable {
    let port: Int
    let watchers: Int
    let events: Int
    private var sockets: [Int32] = []
    private let condition = NSCondition()
    /// received[event][watcher] = uptime nanoseconds
    private var received: [[UInt64]]

    init(port: Int, watchers: Int, events: Int) {
        self.port = port
        self.watchers = watchers
        self.events = events
        received = Array(repeating: [], count: events)
    }

    func connect() throws {
        for _ in 0..<watchers {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard ok == 0 else { throw POSIXError(.ECONNREFUSED) }
            let request = "GET /api/v1/namespaces/default/configmaps?watch=true&labelSelector=app%3Dfanout HTTP/1.1\r\nHost: localhost\r\n\r\n"
            _ = request.withCString { send(fd, $0, strlen($0), 0) }
            sockets.append(fd)
            let thread = Thread { [self] in read(fd) }
            thread.start()
        }
    }

    private func read(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var pending = ""
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return }
            let now = DispatchTime.now().uptimeNanoseconds
            pending += String(decoding: buffer[0..<n], as: UTF8.self)
            while let range = pending.range(of: "\"name\":\"fanout-") {
                let rest = pending[range.upperBound...]
                let digits = rest.prefix { $0.isNumber }
                guard rest.dropFirst(digits.count).first == "\"" else { break }
                pending = String(rest.dropFirst(digits.count))
                guard let index = Int(digits) else { continue }
                record(index, now)
            }
        }
    }

    /// The number in the first change's name (`fanout-<base>`).
    var base = 0

    private func record(_ index: Int, _ time: UInt64) {
        condition.lock()
        let e = index - base
        if e >= 0 && e < events { received[e].append(time) }
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until every watcher saw change `e`; returns the receive times.
    func waitForEvent(_ e: Int) -> [UInt64] {
        condition.lock()
        defer { condition.unlock() }
        while received[e].count < watchers { condition.wait() }
        return received[e]
    }

    func close() {
        for fd in sockets { shutdown(fd, Int32(SHUT_RDWR)); Glibc.close(fd) }
    }
}
