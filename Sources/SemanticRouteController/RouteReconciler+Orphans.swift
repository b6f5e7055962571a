import KubeCore
import Logging
import Metrics

extension RouteReconciler {
    /// The safety net behind the finalizer: deletes semroute's objects whose route no longer exists (the route
    /// was deleted while the operator was down and its finalizer removed by hand, or by an older operator) and
    /// shared ClientTrafficPolicies no route uses. The operator runs it once the stores are ready, while leading,
    /// and after every resync.
    ///
    /// - Parameters:
    ///   - watches: whether routes of a namespace are watched; objects of routes elsewhere are never judged.
    ///   Shared ClientTrafficPolicies are judged only when ``seesEveryRoute``.
    /// - Returns: what it deleted (or found already gone).
    @discardableResult
    public func sweepOrphans(watches: (String) -> Bool) async -> [ObjectRef] {
        let routes = snapshot.routes()
        var orphans = OrphanPlanner.orphans(managed: snapshot.allManaged(), routes: routes, watches: watches)
        if seesEveryRoute {
            orphans += SharedPolicyPlanner.unused(managed: snapshot.managedClientTrafficPolicies(), routes: routes)
        }
        var deleted: [ObjectRef] = []
        for key in orphans {
            do {
                try await writer.delete(key)
                deleted.append(key)
                Counter(label: "semroute_orphans_deleted_total", dimensions: [("kind", key.kind)]).increment()
                logger.info("deleted an object whose route no longer exists", metadata: ["object": "\(key)"])
            } catch {
                logger.warning("could not delete an orphaned object; the next sweep retries",
                               metadata: ["object": "\(key)", "error": "\(error)"])
            }
        }
        return deleted
    }
}
