import SemanticRouteAPI
import Synchronization

/// The status this operator last wrote per route, and the resourceVersion of the route it was computed from.
/// A reconcile can run before the route store has seen that write (another kind's watch event triggered it
/// first); it would then compare against the stale status and write the same status again. Until the store
/// moves past that resourceVersion, the remembered status counts as the previous one: a steady route is
/// written once per change (checked on the real API server's audit log).
final class StatusWriteMemo: Sendable {
    private struct Entry {
        var basedOn: String
        var written: SemanticRouteStatus
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// The status to compare against: what we wrote last, when the route in the store is still the one we
    /// computed it from; else the store's own.
    func previous(_ key: String, resourceVersion: String?, stored: SemanticRouteStatus?) -> SemanticRouteStatus? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return stored }
            guard let resourceVersion, entry.basedOn == resourceVersion else {
                entries[key] = nil  // the store caught up (or the route changed): its status is the truth again
                return stored
            }
            return entry.written
        }
    }

    /// The route is gone: nothing to remember for it.
    func forget(_ key: String) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    func wrote(_ status: SemanticRouteStatus, key: String, basedOn resourceVersion: String?) {
        guard let resourceVersion else { return }
        entries.withLock { $0[key] = Entry(basedOn: resourceVersion, written: status) }
    }
}
