import KubeCore
import KubeRuntime
import SemanticRouteAPI
import SemanticRouteRender

/// Indexes over the SemanticRoute store, so a change of a Secret, Service, Gateway or managed object finds the
/// routes to reconcile. The Gateway and route-label indexes read the raw object (an invalid route still
/// holds its Gateway's shared policy); Secrets and Services come from the decoded spec.
public enum RouteIndexes {
    public static let gateway = "semroute.io/gateway"
    public static let secret = "semroute.io/secret"
    public static let service = "semroute.io/service"
    public static let routeLabel = "semroute.io/route-label"
    /// Every model name a route claims on its Gateway (``ModelClaims/indexValues``); routes being deleted claim none.
    public static let modelClaim = "semroute.io/model-claim"
    /// Owned-kind stores: objects carrying `app.kubernetes.io/managed-by: semroute` (counted for the gauges).
    public static let managedBy = "semroute.io/managed-by"

    public static let all: [String: @Sendable (JSONValue) -> [String]] = [
        gateway: { route in SharedPolicyPlanner.gateway(of: route).map { [$0] } ?? [] },
        secret: { references($0, .secret) },
        service: { references($0, .service) },
        modelClaim: { ModelClaims($0)?.indexValues ?? [] },
        routeLabel: { route in
            guard let ns = route[path: "metadata", "namespace"]?.stringValue,
                  let name = route[path: "metadata", "name"]?.stringValue else { return [] }
            return [RouteLabels.routeValue(namespace: ns, name: name)]
        },
    ]

    /// The other routes whose acceptance a change of a route can decide: those that claim one of the model
    /// names it claimed before or claims now, on the Gateway it was or is on (``ModelConflict``). Any change
    /// counts, status included: a route that became accepted may now block a newer one.
    static func contenders(of change: StoreChange, in routes: Store) -> [ObjectKey] {
        let states: [JSONValue] = switch change {
        case .applied(let old, let new): [old, new].compactMap { $0 }
        case .deleted(let last): [last]
        }
        let values = Set(states.compactMap { ModelClaims($0, evenIfDeleting: true) }.flatMap(\.indexValues))
        let changed = ObjectKey(object: change.object)
        var keys: [ObjectKey] = []
        for value in values.sorted() {
            for key in routes.keys(index: modelClaim, value: value) where key != changed && !keys.contains(key) {
                keys.append(key)
            }
        }
        return keys
    }

    /// `ns/name` of every object of `kind` the route references, as ``RouteReference/all(of:)`` reads them from
    /// the decoded spec (one parser for reconcile and the indexes). A spec that does not decode references
    /// nothing: the route reports its spec errors and is reconciled again when its spec changes.
    static func references(_ route: JSONValue, _ kind: RouteReference.Kind) -> [String] {
        guard case .success(let decoded) = SemanticRouteDecoder.decode(RouteReconciler.specOnly(route)) else { return [] }
        return RouteReference.all(of: decoded).filter { $0.kind == kind }.map(\.namespacedName)
    }
}
