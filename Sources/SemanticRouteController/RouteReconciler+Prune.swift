import KubeClient
import KubeCore

extension RouteReconciler {
    /// Deletes this route's objects that are no longer rendered and, when the operator sees every route, the
    /// shared ClientTrafficPolicies no route on their Gateway uses any more. Returns the deletes that failed.
    func prune(planner: ApplyPlanner, desired: [ObjectRef], raw: JSONValue) async -> [KubeError] {
        var stale = planner.prune(desired: desired, live: snapshot.managedObjects(routeLabel: planner.routeLabel))
        if seesEveryRoute {
            // Only the routes on those policies' Gateways decide (an index lookup, not every route per reconcile).
            let policies = snapshot.managedClientTrafficPolicies()
            let gateways = Set(policies.compactMap(SharedPolicyPlanner.gateway(ofPolicy:)))
            stale += SharedPolicyPlanner.unused(managed: policies, routes: gateways.sorted().flatMap(snapshot.routes(onGateway:)))
        }
        var failures: [KubeError] = []
        for key in stale {
            do {
                try await writer.delete(key)
                await emit(raw, .normal, reason: "Pruned", action: "Prune", note: "\(key) is no longer rendered; deleted")
            } catch {
                failures.append(error)
                await emit(raw, .warning, reason: "PruneFailed", action: "Prune", note: "\(key): \(error.detailedMessage)")
            }
        }
        return failures
    }
}
