import Foundation
import Synchronization

/// A bearer token: fixed, or read from a file and re-read when older than ``refreshInterval``
/// (service-account tokens are rotated by the kubelet; client-go re-reads them every minute).
public final class TokenSource: Sendable {
    public enum Origin: Sendable, Hashable {
        case value(String)
        case file(String)
    }

    public let origin: Origin
    public let refreshInterval: Duration
    private let cache = Mutex<(token: String, readAt: ContinuousClock.Instant)?>(nil)

    public init(_ origin: Origin, refreshInterval: Duration = .seconds(60)) {
        self.origin = origin
        self.refreshInterval = refreshInterval
    }

    /// The current token; a file is read at most once per ``refreshInterval``.
    public func token(now: ContinuousClock.Instant = .now) throws -> String {
        switch origin {
        case .value(let token): return token
        case .file(let path):
            if let cached = cache.withLock({ $0 }), now - cached.readAt < refreshInterval { return cached.token }
            guard let data = FileManager.default.contents(atPath: path),
                  let text = String(data: data, encoding: .utf8) else {
                throw KubeConfigError(source: path, field: "", reason: "cannot read the bearer token file")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            cache.withLock { $0 = (token, now) }
            return token
        }
    }
}
