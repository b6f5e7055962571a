import KubeCore
import SemanticRouteRender

/// What one reconcile will do with one desired object, decided from the informers' stores before any write.
public struct ApplyPlan: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// The live object already holds every field: send nothing.
        case unchanged
        /// Server-side apply `body` (the live object differs, or does not exist as far as the store knows).
        case apply
        /// Not in the (label-filtered) store: GET it first; apply only if it does not exist, because an object
        /// of that name without our labels is someone else's.
        case checkThenApply
        /// It exists but is not ours (no semroute labels, or another route's): leave it alone.
        case nameConflict
        /// Deliberately not applied; the message says why.
        case skip(String)
    }

    public var key: ObjectRef
    /// The object to send: the rendered object plus the applied-hash annotation.
    public var body: JSONValue
    public var action: Action
}
