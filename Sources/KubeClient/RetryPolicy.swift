/// When the client retries a failed call by itself.
///
/// Decision (docs/kube-client.md): a 429 is retried for every verb — kube-apiserver rejects it before doing
/// anything. 5xx and transport failures are retried only for calls that are safe to repeat: get, list,
/// server-side apply and JSON merge patch (both idempotent), and delete *with* preconditions (a repeat either
/// finds the same object or 404s/409s instead of deleting a successor). Create, JSON patch, update (PUT) and
/// unconditional delete are not retried on 5xx/transport, because the first attempt may have taken effect.
/// Watches are not retried here; the watcher (KubeRuntime) resumes them.
public struct RetryPolicy: Sendable, Hashable {
    /// Total attempts including the first; 1 disables retries.
    public var maxAttempts: Int
    public var backoff: Backoff
    /// Upper bound on a server-requested `Retry-After`.
    public var maxRetryAfter: Duration

    public init(maxAttempts: Int = 5, backoff: Backoff = .request, maxRetryAfter: Duration = .seconds(30)) {
        self.maxAttempts = max(1, maxAttempts)
        self.backoff = backoff
        self.maxRetryAfter = maxRetryAfter
    }

    public static let `default` = RetryPolicy()
    public static let none = RetryPolicy(maxAttempts: 1)

    /// Whether `error` on a call of this idempotency may be retried.
    public func shouldRetry(_ error: KubeError, idempotent: Bool) -> Bool {
        switch error {
        case .tooManyRequests: true
        case .server(let code, _, _) where code >= 500: idempotent
        case .transport: idempotent
        default: false
        }
    }

    /// How long to wait before attempt `attempt + 1`: the server's Retry-After (capped) when it gave one,
    /// else the jittered backoff.
    public func delay(after error: KubeError, attempt: Int) -> Duration {
        if let requested = error.retryAfter, requested > .zero { return min(requested, maxRetryAfter) }
        return backoff.delay(attempt: attempt)
    }
}
