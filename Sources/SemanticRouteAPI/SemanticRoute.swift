import KubeCore

/// `semroute.io/v1alpha1` SemanticRoute: one virtual model routed across upstream models by prompt.
public struct SemanticRoute: Sendable, Hashable, Codable {
    public static let group = "semroute.io"
    public static let version = "v1alpha1"
    public static let apiVersion = "\(group)/\(version)"
    public static let kind = "SemanticRoute"
    public static let plural = "semanticroutes"

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var spec: SemanticRouteSpec
    public var status: SemanticRouteStatus?

    public init(name: String, namespace: String, spec: SemanticRouteSpec) {
        apiVersion = Self.apiVersion
        kind = Self.kind
        metadata = ObjectMeta(name: name, namespace: namespace)
        self.spec = spec
    }

    public var name: String { metadata.name ?? "" }
    public var namespace: String { metadata.namespace ?? "default" }

    /// The whole object's schema (the CRD's `openAPIV3Schema`).
    public static var schema: JSONSchema {
        .object("SemanticRoute routes one virtual model (e.g. `MoM`) across upstream models by what each prompt is about. The operator renders Envoy AI Gateway objects and runs a classifier for it.",
                required: ["spec"], [
            "apiVersion": .string("The versioned schema of this object: semroute.io/v1alpha1."),
            "kind": .string("SemanticRoute."),
            "metadata": JSONSchema(type: "object"),
            "spec": SemanticRouteSpec.schema,
            "status": SemanticRouteStatus.schema,
        ])
    }
}
