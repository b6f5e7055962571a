import KubeCore

/// The API resources the operator reads and writes: SemanticRoutes, every kind render produces, and the kinds
/// routes reference.
public enum ManagedKinds {
    public static let semanticRoutes = APIResource(group: "semroute.io", version: "v1alpha1", plural: "semanticroutes",
                                                   kind: "SemanticRoute", namespaced: true)
    public static let gateways = APIResource(group: "gateway.networking.k8s.io", version: "v1", plural: "gateways",
                                             kind: "Gateway", namespaced: true)
    public static let backends = APIResource(group: "gateway.envoyproxy.io", version: "v1alpha1", plural: "backends",
                                             kind: "Backend", namespaced: true)
    public static let backendTrafficPolicies = APIResource(group: "gateway.envoyproxy.io", version: "v1alpha1",
                                                           plural: "backendtrafficpolicies", kind: "BackendTrafficPolicy",
                                                           namespaced: true)
    public static let clientTrafficPolicies = APIResource(group: "gateway.envoyproxy.io", version: "v1alpha1",
                                                          plural: "clienttrafficpolicies", kind: "ClientTrafficPolicy",
                                                          namespaced: true)
    public static let envoyPatchPolicies = APIResource(group: "gateway.envoyproxy.io", version: "v1alpha1",
                                                       plural: "envoypatchpolicies", kind: "EnvoyPatchPolicy", namespaced: true)
    public static let aiGatewayRoutes = APIResource(group: "aigateway.envoyproxy.io", version: "v1beta1",
                                                    plural: "aigatewayroutes", kind: "AIGatewayRoute", namespaced: true)
    public static let aiServiceBackends = APIResource(group: "aigateway.envoyproxy.io", version: "v1beta1",
                                                      plural: "aiservicebackends", kind: "AIServiceBackend", namespaced: true)
    public static let backendSecurityPolicies = APIResource(group: "aigateway.envoyproxy.io", version: "v1beta1",
                                                            plural: "backendsecuritypolicies",
                                                            kind: "BackendSecurityPolicy", namespaced: true)

    /// Every kind render produces, in render's apply order.
    public static let rendered: [APIResource] = [
        .configMaps, .services, .deployments, .horizontalPodAutoscalers, .podDisruptionBudgets,
        backends, aiServiceBackends, backendSecurityPolicies, aiGatewayRoutes, backendTrafficPolicies,
        clientTrafficPolicies, envoyPatchPolicies,
    ]

    /// The resource of a rendered object (matched by group and kind).
    public static func resource(for ref: ObjectRef) -> APIResource? {
        rendered.first { $0.kind == ref.kind && $0.group == ref.group }
    }

    /// What a route involves besides what render produces: the route itself, its namespaces and references.
    public static let involved: [APIResource] = [.namespaces, .secrets, gateways, semanticRoutes]

    /// The resource of any object a route involves (rendered, referenced, the route itself), by its
    /// `apiVersion` and `kind`; nil for anything else.
    public static func resource(of object: JSONValue) -> APIResource? {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue else { return nil }
        return (rendered + involved).first { $0.apiVersion == apiVersion && $0.kind == kind }
    }
}
