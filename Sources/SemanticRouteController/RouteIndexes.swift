import KubeCore
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
    /// Owned-kind stores: objects carrying `app.kubernetes.io/managed-by: semroute` (counted for the gauges).
    public static let managedBy = "semroute.io/managed-by"

    public static let all: [String: @Sendable (JSONValue) -> [String]] = [
        gateway: { route in SharedPolicyPlanner.gateway(of: route).map { [$0] } ?? [] },
        secret: { references($0, .secret) },
        service: { references($0, .service) },
        routeLabel: { route in
            guard let ns = route[path: "metadata", "namespace"]?.stringValue,
                  let name = route[path: "metadata", "name"]?.stringValue else { return [] }
            return [RouteLabels.routeValue(namespace: ns, name: name)]
        },
    ]

    /// `ns/name` of every object of `kind` the route references, as ``RouteReference/all(of:)`` reads them from
    /// the decoded spec (one parser for reconcile and the indexes). A spec that does not decode references
    /// nothing: the route reports its spec errors and is reconciled again when its spec changes.
    static func references(_ route: JSONValue, _ kind: RouteReference.Kind) -> [String] {
        guard case .success(let decoded) = SemanticRouteDecoder.decode(RouteReconciler.specOnly(route)) else { return [] }
        return RouteReference.all(of: decoded).filter { $0.kind == kind }.map(\.namespacedName)
    }
}
