/// What a reconcile asks of the work queue (level-based: it never says why it ran).
public enum ReconcileResult: Sendable, Hashable {
    /// Nothing more to do until something changes (or the periodic resync).
    case done
    /// Run again after a delay (e.g. right after adding the finalizer).
    case requeue(after: Duration)
}

/// A reconcile that must be retried with per-key backoff: transient API failures (transport, 409, 429, 5xx).
/// Invalid specs and rejected objects are not errors: they are reported in status and wait for a change.
public struct ReconcileError: Error, Sendable, CustomStringConvertible {
    public var failures: [APIFailure]
    public init(_ failures: [APIFailure]) { self.failures = failures }
    /// The reason of the first failure, for `semroute_reconcile_errors_total{reason}`.
    public var reason: String { failures.first?.reason ?? "Unknown" }
    /// The longest delay the server asked for.
    public var retryAfter: Duration? { failures.compactMap(\.retryAfter).max() }
    public var description: String { failures.map(\.description).joined(separator: "; ") }
}
