import KubeCore
import SemanticRouteController
import SemanticRouteRender

/// Permissive CustomResourceDefinitions for every upstream kind the operator renders or reads (AI Gateway,
/// Envoy Gateway, Gateway API), registered by `semroute dev` when no `--upstream-crds` folder is given.
/// Their schema accepts anything (`x-kubernetes-preserve-unknown-fields`), so objects the real CRDs would
/// reject are stored here: dev prints a warning saying so.
enum DevStandInCRDs {
    static var kinds: [APIResource] {
        (RenderedKinds.all + [ManagedKinds.gateways]).filter { !$0.group.isEmpty && !["apps", "autoscaling", "policy"].contains($0.group) }
    }

    static var all: [JSONValue] { kinds.map(crd) }

    /// Versions the real CRDs also serve (Envoy AI Gateway v1.1.0, Gateway API v1.5.1), so the stand-ins answer
    /// under every version the real ones do and kubectl's cached discovery stays right when a data folder is
    /// started with and without `--upstream-crds`.
    static let alsoServed = ["aigateway.envoyproxy.io": ["v1alpha1"], "gateway.networking.k8s.io": ["v1beta1"]]

    static func crd(_ resource: APIResource) -> JSONValue {
        let schema: JSONValue = ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]
        return [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": .string("\(resource.plural).\(resource.group)"),
                         "labels": ["semroute.io/dev-stand-in": "true"]],
            "spec": [
                "group": .string(resource.group),
                "names": ["plural": .string(resource.plural), "singular": .string(resource.kind.lowercased()),
                          "kind": .string(resource.kind), "listKind": .string(resource.kind + "List")],
                "scope": resource.namespaced ? "Namespaced" : "Cluster",
                "versions": .array([version(resource.version, storage: true, schema: schema)]
                    + (alsoServed[resource.group] ?? []).map { version($0, storage: false, schema: schema) }),
            ],
        ]
    }

    static func version(_ name: String, storage: Bool, schema: JSONValue) -> JSONValue {
        ["name": .string(name), "served": true, "storage": .bool(storage), "schema": schema, "subresources": ["status": [:]]]
    }
}
