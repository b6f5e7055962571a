import KubeCore

/// Every kind render produces, as API resources, in apply order: the one list the renderer builds objects
/// from and the operator watches, applies, prunes and cleans up by.
public enum RenderedKinds {
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

    /// Apply order: the classifier first (it must be up before Envoy calls it), then backends before the route
    /// that references them, then policies.
    public static let all: [APIResource] = [
        .configMaps, .services, .deployments, .horizontalPodAutoscalers, .podDisruptionBudgets,
        backends, aiServiceBackends, backendSecurityPolicies, aiGatewayRoutes, backendTrafficPolicies,
        clientTrafficPolicies, envoyPatchPolicies,
    ]
}
