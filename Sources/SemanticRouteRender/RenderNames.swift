import KubeCore
import SemanticRouteAPI

/// Every name and label render derives from a route, in one place (DESIGN §3).
struct RenderNames {
    static let managedByKey = "app.kubernetes.io/managed-by"
    static let managedByValue = "semroute"
    static let routeKey = "semroute.io/route"
    static let configHashKey = "semroute.io/config-hash"
    static let instanceKey = "app.kubernetes.io/instance"
    static let componentKey = "app.kubernetes.io/component"
    static let nameKey = "app.kubernetes.io/name"

    let route: String
    let namespace: String
    let gatewayName: String
    let gatewayNamespace: String
    let listener: String

    init(_ r: SemanticRoute) {
        route = r.name
        namespace = r.namespace
        gatewayName = r.spec.gatewayRef.name
        gatewayNamespace = r.spec.gatewayRef.namespace ?? r.namespace
        listener = r.spec.gatewayRef.listener ?? GatewayReference.defaultListener
    }

    /// The AIGatewayRoute, and the HTTPRoute AI Gateway generates from it.
    var aiGatewayRoute: String { DNSName.shortened(route) }
    func backend(_ backend: String) -> String { DNSName.shortened("\(route)-\(backend)") }
    var classifier: String { DNSName.shortened("\(route)-classifier") }
    /// The EnvoyPatchPolicy, the ext_proc filter and its cluster (unique per route across namespaces).
    var patchPolicy: String { DNSName.shortened("semroute-\(namespace)-\(route)") }
    /// The ClientTrafficPolicy shared by every route on one Gateway.
    var clientTrafficPolicy: String { DNSName.shortened("semroute-\(gatewayName)") }
    /// Envoy Gateway's xDS listener name for the Gateway listener.
    var envoyListener: String { "\(gatewayNamespace)/\(gatewayName)/\(listener)" }
    var classifierHost: String { "\(classifier).\(namespace).svc.cluster.local" }

    /// The model alias for a decision (`<route>.<decision>`); `default` for the default targets.
    func alias(_ decision: String) -> String { "\(route).\(decision)" }

    /// `<ns>.<route>`, shortened to fit a label value.
    var routeLabel: String { DNSName.shortened("\(namespace).\(route)") }

    var commonLabels: [(String, JSONValue)] {
        [(Self.nameKey, "semroute"), (Self.managedByKey, .string(Self.managedByValue)), (Self.routeKey, .string(routeLabel))]
    }

    var classifierSelector: [(String, JSONValue)] {
        [(Self.nameKey, "semroute-classifier"), (Self.instanceKey, .string(classifier))]
    }
}
