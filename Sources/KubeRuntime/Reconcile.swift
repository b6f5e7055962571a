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

/// Marks an error as terminal: the controller will not retry until the next change.
public struct TerminalError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var message: String

    public init(reason: String, message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason): \(message)" }
}

extension ErrorDisposition {
    /// The default policy: ``TerminalError`` and ``KubeError/invalid(_:causes:)`` (the server rejected what we
    /// sent; repeating it will not help) are terminal; everything else is transient.
    public static func `default`(_ error: any Error) -> ErrorDisposition {
        if error is TerminalError { return .terminal }
        if let error = error as? KubeError, case .invalid = error { return .terminal }
        return .transient
    }
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
