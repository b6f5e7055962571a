import KubeCore
import SemanticRouteAPI

/// Every name render derives from a route, in one place (DESIGN §3); the operator asks here too (e.g. for the
/// classifier Deployment of a route whose spec does not decode).
public struct RouteNames: Sendable {
    public let route: String
    public let namespace: String
    public let gatewayName: String
    public let gatewayNamespace: String
    public let listener: String

    public init(_ r: SemanticRoute) {
        route = r.name
        namespace = r.namespace
        gatewayName = r.spec.gatewayRef.name
        gatewayNamespace = r.spec.gatewayRef.namespace ?? r.namespace
        listener = r.spec.gatewayRef.listener ?? GatewayReference.defaultListener
    }

    /// The classifier's Deployment, Service, ConfigMap, HPA and PDB: known from the route's name alone.
    public static func classifier(route: String) -> String { DNSName.shortened("\(route)-classifier") }

    /// The AIGatewayRoute, and the HTTPRoute AI Gateway generates from it.
    public var aiGatewayRoute: String { DNSName.shortened(route) }
    public func backend(_ backend: String) -> String { DNSName.shortened("\(route)-\(backend)") }
    public var classifier: String { Self.classifier(route: route) }
    /// The EnvoyPatchPolicy, the ext_proc filter and its cluster (unique per route across namespaces).
    public var patchPolicy: String { DNSName.shortened("semroute-\(namespace)-\(route)") }
    /// The ClientTrafficPolicy shared by every route on one Gateway.
    public var clientTrafficPolicy: String { DNSName.shortened("semroute-\(gatewayName)") }
    /// Envoy Gateway's xDS listener name for the Gateway listener.
    public var envoyListener: String { "\(gatewayNamespace)/\(gatewayName)/\(listener)" }
    public var classifierHost: String { "\(classifier).\(namespace).svc.cluster.local" }
    /// Envoy Gateway's RouteConfiguration for a plain-HTTP listener: named like the listener.
    public var envoyRouteConfiguration: String { envoyListener }
    /// Envoy Gateway's xDS names of the routes of the HTTPRoute AI Gateway generates from our AIGatewayRoute
    /// (`httproute/<ns>/<name>/rule/<i>/match/<j>/<host>`; the last rule is AI Gateway's `route-not-found`
    /// catch-all, which is the route a request matches before AI Gateway has read its model), as an I-Regexp
    /// for an RFC 9535 `match()` (a full match). A `.` in a name is written `[.]`: no backslashes to escape.
    public var envoyRoutesPattern: String {
        func literal(_ s: String) -> String { s.map { $0 == "." ? "[.]" : String($0) }.joined() }
        return "httproute/\(literal(namespace))/\(literal(aiGatewayRoute))/rule/[0-9]+/match/[0-9]+/.+"
    }

    /// The model alias for a decision (`<route>.<decision>`); `default` for the default targets.
    public func alias(_ decision: String) -> String { Self.alias(route: route, decision: decision) }
    /// The same, from the route's name alone (the operator reads it from routes whose spec it does not decode).
    public static func alias(route: String, decision: String) -> String { "\(route).\(decision)" }
    /// The decision name of the default targets' alias (`<route>.default`).
    public static let defaultDecision = "default"

    /// The value of ``RouteLabels/routeKey`` on this route's objects.
    public var routeLabel: String { RouteLabels.routeValue(namespace: namespace, name: route) }

    /// Labels on every object of this route (the shared per-Gateway objects leave out the route label).
    func commonLabels(routeNeutral: Bool = false) -> [(String, JSONValue)] {
        [(RouteLabels.nameKey, "semroute"), (RouteLabels.managedByKey, .string(RouteLabels.managedByValue))]
            + (routeNeutral ? [] : [(RouteLabels.routeKey, .string(routeLabel))])
    }

    var classifierSelector: [(String, JSONValue)] {
        [(RouteLabels.nameKey, "semroute-classifier"), (RouteLabels.instanceKey, .string(classifier))]
    }
}
