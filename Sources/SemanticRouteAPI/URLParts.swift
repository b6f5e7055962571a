/// A backend URL split the way render needs it: scheme, host, port (defaulted per scheme).
public struct URLParts: Sendable, Hashable {
    public var tls: Bool
    public var host: String
    public var port: Int

    /// Accepts `http(s)://host[:port][/]`; anything else (paths, queries, userinfo, uppercase) is `nil`.
    public init?(_ url: String) {
        let rest: Substring
        if url.hasPrefix("https://") { tls = true; rest = url.dropFirst(8) }
        else if url.hasPrefix("http://") { tls = false; rest = url.dropFirst(7) }
        else { return nil }
        var hostPort = rest
        if hostPort.hasSuffix("/") { hostPort = hostPort.dropLast() }
        if hostPort.contains("/") || hostPort.contains("?") || hostPort.contains("@") || hostPort.contains("#") { return nil }
        let parts = hostPort.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        host = String(parts[0])
        guard !host.isEmpty, host.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." }),
              host.utf8.allSatisfy({ $0 < 0x80 })
        else { return nil }
        if parts.count == 2 {
            guard let p = Int(parts[1]), (1...65535).contains(p) else { return nil }
            port = p
        } else {
            port = tls ? 443 : 80
        }
    }
}

/// Container image references: semroute never deploys a floating `:latest`.
public enum ImageReference {
    /// Why `image` is not pinned to a tag or digest, or `nil` when it is.
    public static func unpinnedReason(_ image: String) -> String? {
        if image.contains("@sha256:") { return nil }
        let lastComponent = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = lastComponent.lastIndex(of: ":") else {
            return "must be pinned to a tag or digest (an untagged image means :latest)"
        }
        let tag = lastComponent[lastComponent.index(after: colon)...]
        if tag.isEmpty { return "has an empty tag" }
        if tag == "latest" { return "must be pinned to a tag or digest, not :latest" }
        return nil
    }
}
