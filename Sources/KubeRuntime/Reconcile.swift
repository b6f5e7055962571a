import KubeClient

/// What a reconcile asks for next (kube-runtime `Action`, controller-runtime `Result`).
public enum ReconcileAction: Sendable, Hashable {
    /// Nothing to do until something changes.
    case awaitChange
    /// Run again after this long even if nothing changes (e.g. waiting for an external system).
    case requeue(after: Duration)
}

/// One call of the reconcile function.
public struct ReconcileRequest: Sendable, Hashable {
    public var key: ObjectKey
    /// Unique per call, for log metadata (`reconcile.id`).
    public var id: UInt64
    /// Failures of this key since its last success (0 on a first try).
    public var failures: Int

    public init(key: ObjectKey, id: UInt64 = 0, failures: Int = 0) {
        self.key = key
        self.id = id
        self.failures = failures
    }
}

/// How the error policy treats a failed reconcile.
public enum ErrorDisposition: Sendable, Hashable {
    /// Retry with the key's exponential, jittered backoff (transport, 409, 429, 5xx, ...).
    case transient
    /// Do not retry until the object changes again (e.g. an invalid spec).
    case terminal
}

/// Why a reconcile failed and what the controller does about it: the one error type a reconcile function
/// throws. Anything else it throws is read through ``init(from:)``.
public struct ReconcileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// PascalCase, for `reconcile_errors_total{reason}` and logs (`Conflict`, `ServerError`, `InvalidSpec`, ...).
    public var reason: String
    public var message: String
    public var disposition: ErrorDisposition
    /// The least the queue waits before the retry (a server's `Retry-After`); the key's backoff applies when longer.
    public var retryAfter: Duration?

    public init(reason: String, message: String, disposition: ErrorDisposition = .transient, retryAfter: Duration? = nil) {
        self.reason = reason
        self.message = message
        self.disposition = disposition
        self.retryAfter = retryAfter
    }

    /// Not retried until the object changes again (e.g. an invalid spec).
    public static func terminal(reason: String, message: String) -> ReconcileError {
        ReconcileError(reason: reason, message: message, disposition: .terminal)
    }

    /// One failed API call: the server rejected what we sent (``KubeError/invalid(_:causes:)``) is terminal,
    /// repeating it will not help; everything else is transient, honouring the server's `Retry-After`.
    public init(_ error: KubeError) {
        var disposition = ErrorDisposition.transient
        if case .invalid = error { disposition = .terminal }
        self.init(reason: error.reason, message: error.description, disposition: disposition, retryAfter: error.retryAfter)
    }

    /// Several failed API calls of one reconcile, none of them lost: the first one's reason, every message,
    /// terminal only when all are, and the longest `Retry-After`.
    public init(_ errors: [KubeError]) {
        let each = errors.map(ReconcileError.init)
        self.init(reason: each.first?.reason ?? "Unknown", message: each.map(\.message).joined(separator: "; "),
                  disposition: !each.isEmpty && each.allSatisfy { $0.disposition == .terminal } ? .terminal : .transient,
                  retryAfter: each.compactMap(\.retryAfter).max())
    }

    /// Any error as the controller treats it: a ``ReconcileError`` as it is, a ``KubeError`` by ``init(_:)-(KubeError)``,
    /// anything else transient under its type's name.
    public init(from error: any Error) {
        if let error = error as? ReconcileError { self = error }
        else if let error = error as? KubeError { self.init(error) }
        else { self.init(reason: "\(type(of: error))", message: "\(error)") }
    }

    public var description: String { "\(reason): \(message)" }
}

/// Decides which changes of the primary kind trigger a reconcile.
public struct ChangePredicate: Sendable {
    public let accepts: @Sendable (StoreChange) -> Bool

    public init(_ accepts: @escaping @Sendable (StoreChange) -> Bool) { self.accepts = accepts }

    public static let always = ChangePredicate { _ in true }

    /// Ignores updates that leave `metadata.generation` alone (status-only writes, ours included), but passes
    /// creations, deletions, and changes of `deletionTimestamp`, finalizers, labels or annotations.
    /// Objects without a generation always pass.
    public static let generationChanged = ChangePredicate { change in
        guard case .applied(let old?, let new) = change else { return true }
        let oldGen = old[path: "metadata", "generation"], newGen = new[path: "metadata", "generation"]
        if oldGen == nil || newGen == nil { return true }
        if oldGen != newGen { return true }
        for field in ["deletionTimestamp", "finalizers", "labels", "annotations"]
        where old[path: "metadata", field] != new[path: "metadata", field] {
            return true
        }
        return false
    }
}
