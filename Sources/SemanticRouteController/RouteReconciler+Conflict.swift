import KubeCore
import KubeRuntime
import Logging
import SemanticRouteAPI

extension RouteReconciler {
    /// The conflict this route loses on its Gateway: an older route there claims one of its model names (see
    /// ``ModelConflict``). Read from the route store through the model-name index.
    func modelConflict(_ raw: JSONValue) -> ModelConflict? {
        guard let claims = ModelClaims(raw) else { return nil }
        let contenders = ModelConflict.contenders(of: claims) { value in
            snapshot.routes(claiming: value).compactMap { ModelClaims($0) }
        }
        return ModelConflict.of(claims, among: contenders)
    }

    /// A route that lost a model conflict renders nothing: it prunes every object it applied before (the
    /// older route may have changed its model into conflict after this one was serving) and reports
    /// `Accepted=False` `ModelConflict` (the condition's Event is a Warning naming the winner). It is reconciled
    /// again when a route claiming one of its names changes (``RouteIndexes/contenders(of:in:)``).
    func yieldModelNames(_ raw: JSONValue, to conflict: ModelConflict, route: SemanticRoute, facts: RouteFacts,
                         routeLabel: String, previous: SemanticRouteStatus?, logger: Logger) async throws(ReconcileError) -> ReconcileAction {
        logger.info("an older route on the Gateway claims this route's model names; nothing applied",
                    metadata: ["winner": "\(conflict.winners[0].route)", "names": "\(conflict.names.joined(separator: ","))"])
        let failures = await prune(planner: ApplyPlanner(routeLabel: routeLabel), desired: [], raw: raw)
        let inputs = StatusInputs(generation: facts.generation, namespace: facts.namespace,
                                  decisions: route.spec.decisions?.count ?? 0, backends: route.spec.backends.count,
                                  conflict: conflict, missing: missing(RouteReference.all(of: route)),
                                  deploymentName: facts.deployment.name)
        try await report(raw, inputs: inputs, previous: previous, failures: failures)
        guard failures.isEmpty else { throw ReconcileError(failures) }
        return .awaitChange
    }
}
