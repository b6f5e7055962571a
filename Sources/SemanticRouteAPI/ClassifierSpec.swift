import KubeCore

/// How the classifier Deployment runs.
public struct ClassifierSpec: Sendable, Hashable, Codable {
    public struct Autoscaling: Sendable, Hashable, Codable {
        public var minReplicas: Int?
        public var maxReplicas: Int
        public var targetCPUUtilizationPercentage: Int?
        public init(minReplicas: Int? = nil, maxReplicas: Int, targetCPUUtilizationPercentage: Int? = nil) {
            self.minReplicas = minReplicas
            self.maxReplicas = maxReplicas
            self.targetCPUUtilizationPercentage = targetCPUUtilizationPercentage
        }
        public var effectiveMinReplicas: Int { minReplicas ?? 1 }
    }

    public struct Resources: Sendable, Hashable, Codable {
        public var requests: [String: Quantity]?
        public var limits: [String: Quantity]?
        public init(requests: [String: Quantity]? = nil, limits: [String: Quantity]? = nil) {
            self.requests = requests
            self.limits = limits
        }
    }

    /// How the classifier's sentence encoder multiplies (`semroute classifier --encoder-precision`).
    public enum EncoderPrecision: String, Sendable, Hashable, Codable, CaseIterable {
        /// Float32 products: the reference model's embeddings.
        case float32
        /// Int8 weights and int16 activations (x86-64 with AVX2): about 2× faster at 32 tokens, embeddings
        /// within cosine 0.995 of float32.
        case int8
    }

    public var replicas: Int?
    public var autoscaling: Autoscaling?
    public var image: String?
    public var resources: Resources?
    public var failOpen: Bool?
    public var timeout: GoDuration?
    public var encoderPrecision: EncoderPrecision?

    public init(replicas: Int? = nil, autoscaling: Autoscaling? = nil, image: String? = nil, resources: Resources? = nil,
                failOpen: Bool? = nil, timeout: GoDuration? = nil, encoderPrecision: EncoderPrecision? = nil) {
        self.replicas = replicas
        self.autoscaling = autoscaling
        self.image = image
        self.resources = resources
        self.failOpen = failOpen
        self.timeout = timeout
        self.encoderPrecision = encoderPrecision
    }

    public static let defaultTimeout: GoDuration = "1s"

    /// Checks `{"requests": {...}, "limits": {...}}` against the same schema the CRD uses for
    /// `spec.classifier.resources` (quantities such as `100m`, `128Mi`), for settings given outside a route.
    public static func validateResources(_ value: JSONValue) -> [FieldError] {
        guard let resources = schema.properties["resources"] else { return [] }
        return SchemaValidator(resources, isResourceRoot: false).validate(value)
    }

    static var schema: JSONSchema {
        let resourceMap = { (what: String) in
            JSONSchema.map(what, of: .quantity("A quantity, e.g. `100m` or `128Mi`."), maxProperties: 8)
        }
        return .object("The classifier Deployment this route launches (`semroute classifier`, an Envoy ext_proc server).", [
            "replicas": .integer("Pods to run; ignored when `autoscaling` is set. `kubectl scale sroute NAME --replicas=N` sets it.",
                                 minimum: 0, maximum: 100, default: 1),
            "autoscaling": .object("A HorizontalPodAutoscaler on CPU; the Deployment's replica count is then left to it.",
                                   required: ["maxReplicas"], [
                "minReplicas": .integer("The lower bound.", minimum: 1, maximum: 100, default: 1),
                "maxReplicas": .integer("The upper bound.", minimum: 1, maximum: 100),
                "targetCPUUtilizationPercentage": .integer("The average CPU utilisation to hold.", minimum: 1, maximum: 100, default: 70),
            ]).rule("!has(self.minReplicas) || self.minReplicas <= self.maxReplicas", "minReplicas must not exceed maxReplicas", fieldPath: ".minReplicas"),
            "image": .string("The classifier image; default: the operator's own image. Pin a tag or digest (`:latest` is rejected).",
                             pattern: #"^[^\s]+$"#, maxLength: 512),
            "resources": .object("Compute resources of the classifier container.", [
                "requests": resourceMap("Requested resources (cpu, memory)."),
                "limits": resourceMap("Resource limits (cpu, memory)."),
            ]),
            "failOpen": .boolean("When the classifier errs or times out, the request continues unclassified (true) or fails (false).", default: true),
            "timeout": .duration("How long Envoy waits for the classifier per message.", default: defaultTimeout.text),
            "encoderPrecision": .string("How the sentence encoder multiplies: `float32` (the reference model's embeddings) or `int8` (about 2× faster at 32 tokens, embeddings within cosine 0.995 of float32; needs x86-64 nodes with AVX2, or the classifier does not start). Unset: int8 where the node's CPU has AVX2, float32 elsewhere.",
                                        enum: EncoderPrecision.allCases.map(\.rawValue)),
        ])
    }
}

/// A Kubernetes resource quantity as written: an integer or a string such as `100m`, `128Mi`.
public enum Quantity: Sendable, Hashable, Codable, CustomStringConvertible {
    case int(Int)
    case string(String)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { self = .int(i) } else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        }
    }

    public var description: String {
        switch self {
        case .int(let i): String(i)
        case .string(let s): s
        }
    }

    public var json: JSONValue {
        switch self {
        case .int(let i): JSONValue(i)
        case .string(let s): .string(s)
        }
    }
}
