/// Where a kind lives in the Kubernetes REST API: group, version, plural resource name, kind and scope.
/// Paths: core group (`""`) under `/api/v1`, named groups under `/apis/<group>/<version>`.
public struct APIResource: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var plural: String
    public var kind: String
    public var namespaced: Bool

    public init(group: String, version: String, plural: String, kind: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced
    }

    /// `v1` for the core group, `group/version` otherwise.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `/api/v1` or `/apis/<group>/<version>`.
    public var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// `plural.group` (`deployments.apps`, `configmaps` for the core group), as kubectl and RBAC name it.
    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }
}

extension APIResource {
    public static let namespaces = APIResource(group: "", version: "v1", plural: "namespaces", kind: "Namespace",
                                               namespaced: false)
    public static let configMaps = APIResource(group: "", version: "v1", plural: "configmaps", kind: "ConfigMap",
                                               namespaced: true)
    public static let secrets = APIResource(group: "", version: "v1", plural: "secrets", kind: "Secret",
                                            namespaced: true)
    public static let services = APIResource(group: "", version: "v1", plural: "services", kind: "Service",
                                             namespaced: true)
    public static let serviceAccounts = APIResource(group: "", version: "v1", plural: "serviceaccounts",
                                                    kind: "ServiceAccount", namespaced: true)
    public static let coreEvents = APIResource(group: "", version: "v1", plural: "events", kind: "Event",
                                               namespaced: true)
    public static let events = APIResource(group: "events.k8s.io", version: "v1", plural: "events", kind: "Event",
                                           namespaced: true)
    public static let deployments = APIResource(group: "apps", version: "v1", plural: "deployments",
                                                kind: "Deployment", namespaced: true)
    public static let horizontalPodAutoscalers = APIResource(group: "autoscaling", version: "v2",
                                                             plural: "horizontalpodautoscalers",
                                                             kind: "HorizontalPodAutoscaler", namespaced: true)
    public static let podDisruptionBudgets = APIResource(group: "policy", version: "v1",
                                                         plural: "poddisruptionbudgets",
                                                         kind: "PodDisruptionBudget", namespaced: true)
    public static let leases = APIResource(group: "coordination.k8s.io", version: "v1", plural: "leases",
                                           kind: "Lease", namespaced: true)
    public static let customResourceDefinitions = APIResource(group: "apiextensions.k8s.io", version: "v1",
                                                              plural: "customresourcedefinitions",
                                                              kind: "CustomResourceDefinition", namespaced: false)
}
