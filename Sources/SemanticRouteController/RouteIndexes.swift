import KubeCore

/// Indexes over the SemanticRoute store, computed from the raw objects (an invalid route still indexes what
/// it names), so a change of a Secret, Service, Gateway or managed object finds the routes to reconcile.
public enum RouteIndexes {
    public static let gateway = "semroute.io/gateway"
    public static let secret = "semroute.io/secret"
    public static let service = "semroute.io/service"
    public static let routeLabel = "semroute.io/route-label"
    /// Owned-kind stores: objects carrying `app.kubernetes.io/managed-by: semroute` (counted for the gauges).
    public static let managedBy = "semroute.io/managed-by"

    public static let all: [String: @Sendable (JSONValue) -> [String]] = [
        gateway: { route in SharedPolicyPlanner.gateway(of: route).map { [$0] } ?? [] },
        secret: secrets,
        service: services,
        routeLabel: { route in
            guard let ns = route[path: "metadata", "namespace"]?.stringValue,
                  let name = route[path: "metadata", "name"]?.stringValue else { return [] }
            return [RouteLabels.routeValue(namespace: ns, name: name)]
        },
    ]

    static func namespace(_ route: JSONValue) -> String {
        route[path: "metadata", "namespace"]?.stringValue ?? "default"
    }

    /// `ns/name` of every Secret the route's backends reference.
    @Sendable static func secrets(_ route: JSONValue) -> [String] {
        let ns = namespace(route)
        return (route[path: "spec", "backends"]?.arrayValue ?? []).flatMap { backend -> [String] in
            let auth = backend["auth"]?.objectValue ?? JSONObject()
            return auth.compactMap { _, member -> String? in
                let ref = member["secretRef"] ?? member["clientSecretRef"]
                return ref?["name"]?.stringValue.map { "\(ns)/\($0)" }
            }
        }
    }

    /// `ns/name` of every Service the route's backends use as endpoint.
    @Sendable static func services(_ route: JSONValue) -> [String] {
        let ns = namespace(route)
        return (route[path: "spec", "backends"]?.arrayValue ?? []).compactMap { backend -> String? in
            guard let service = backend[path: "endpoint", "service"], let name = service["name"]?.stringValue else { return nil }
            return "\(service["namespace"]?.stringValue ?? ns)/\(name)"
        }
    }
}
