import Hummingbird

/// `host:port` or `:port` (all interfaces), as controller-runtime's `--health-probe-bind-address` takes it.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }

    public var bindAddress: BindAddress { .hostname(host, port: port) }
    public var description: String { "\(host):\(port)" }
}
