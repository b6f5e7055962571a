import Foundation
import Synchronization

/// Test-only faults: answer the next N requests matching a verb and resource with an error status, add latency
/// to every request. Thread-safe; shared by every request handler.
public final class FaultInjector: Sendable {
    struct Rule: Sendable {
        var verb: String?
        var resource: String?
        var code: Int
        var remaining: Int
        var retryAfterSeconds: Int?
    }

    private let state = Mutex<(rules: [Rule], latency: Duration)>(([], .zero))

    init() {}

    /// The next `count` requests with this verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`; nil: any) on this resource (plural, e.g. `semanticroutes`; nil: any) answer `code`
    /// (409, 410, 429 with `Retry-After`, 500, 503) with a kube-apiserver-shaped Status.
    public func fail(verb: String? = nil, resource: String? = nil, code: Int, count: Int = 1, retryAfterSeconds: Int? = nil) {
        state.withLock { $0.rules.append(Rule(verb: verb, resource: resource, code: code, remaining: count,
                                              retryAfterSeconds: retryAfterSeconds)) }
    }

    /// Adds this delay before every request is handled (`.zero` removes it).
    public func setLatency(_ latency: Duration) { state.withLock { $0.latency = latency } }

    /// Removes every pending fault and the latency.
    public func reset() { state.withLock { $0 = ([], .zero) } }

    var latency: Duration { state.withLock { $0.latency } }

    /// The fault for this request, if one matches (consuming one use of it).
    func take(verb: String, resource: String) -> APIError? {
        state.withLock { s in
            guard let i = s.rules.firstIndex(where: { r in
                r.remaining > 0 && (r.verb == nil || r.verb == verb) && (r.resource == nil || r.resource == resource)
            }) else { return nil }
            s.rules[i].remaining -= 1
            let rule = s.rules[i]
            if rule.remaining == 0 { s.rules.remove(at: i) }
            return APIError.injected(code: rule.code, retryAfterSeconds: rule.retryAfterSeconds)
        }
    }
}
