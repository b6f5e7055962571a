import KubeCore

/// The observed state of a SemanticRoute, written by the operator through the status subresource.
public struct SemanticRouteStatus: Sendable, Hashable, Codable {
    public struct ClassifierStatus: Sendable, Hashable, Codable {
        public var replicas: Int
        public var readyReplicas: Int
        public var selector: String
        /// `ready/desired`, for the `Classifier` printer column.
        public var ready: String
        public init(replicas: Int, readyReplicas: Int, selector: String) {
            self.replicas = replicas
            self.readyReplicas = readyReplicas
            self.selector = selector
            self.ready = "\(readyReplicas)/\(replicas)"
        }
    }

    public struct ManagedObject: Sendable, Hashable, Codable, Comparable {
        public var apiVersion: String
        public var kind: String
        public var name: String
        public var namespace: String?
        public init(apiVersion: String, kind: String, name: String, namespace: String? = nil) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.name = name
            self.namespace = namespace
        }
        public static func < (a: Self, b: Self) -> Bool {
            (a.kind, a.namespace ?? "", a.name) < (b.kind, b.namespace ?? "", b.name)
        }
    }

    public var observedGeneration: Int64?
    public var conditions: [Condition]?
    public var classifier: ClassifierStatus?
    public var decisions: Int?
    public var backends: Int?
    public var managed: [ManagedObject]?
    public var rollouts: [RolloutStatus]?
    /// One line per rollout (`name weight% Phase`), for the `Rollout` printer column.
    public var rollout: String?

    public init() {}

    static var schema: JSONSchema {
        .object("The observed state, written by the operator.", [
            "observedGeneration": .integer("The spec generation this status describes.", minimum: 0, format: "int64"),
            "conditions": .array("Accepted (spec valid), ResolvedRefs (Gateway, Secrets, Services exist), Programmed (all rendered objects applied and accepted), ClassifierAvailable, and Ready (all of them).",
                                 of: conditionSchema, maxItems: 16, listType: "map", mapKeys: ["type"]),
            "classifier": .object("The classifier Deployment's replicas (the scale subresource reads these).",
                                  required: ["replicas", "readyReplicas", "selector"], [
                "replicas": .integer("Desired pods.", minimum: 0),
                "readyReplicas": .integer("Ready pods.", minimum: 0),
                "selector": .string("The label selector of the classifier pods, serialised.", maxLength: 1024),
                "ready": .string("`ready/desired`, as `kubectl get` prints it.", maxLength: 32),
            ]),
            "decisions": .integer("Decisions in the spec.", minimum: 0),
            "backends": .integer("Backends in the spec.", minimum: 0),
            "managed": .array("The objects the operator manages for this route.",
                              of: .object("A managed object.", required: ["apiVersion", "kind", "name"], [
                                  "apiVersion": .string("Its API version.", maxLength: 253),
                                  "kind": .string("Its kind.", maxLength: 63),
                                  "name": .string("Its name.", maxLength: 253),
                                  "namespace": .string("Its namespace, when not the route's.", maxLength: 63),
                              ]), maxItems: 256),
            "rollouts": .array("Where each rollout of the spec stands.", of: RolloutStatus.schema, maxItems: SemanticRouteSpec.maxDecisions + 1,
                               listType: "map", mapKeys: ["name"]),
            "rollout": .string("Every rollout as `name weight% Phase`, comma-separated, for `kubectl get`.", maxLength: 1024),
        ])
    }

    /// metav1.Condition's schema, as controller-gen emits it.
    static var conditionSchema: JSONSchema {
        .object("A condition (metav1.Condition).", required: ["type", "status", "lastTransitionTime", "reason", "message"], [
            "type": .string("The condition type, PascalCase.", pattern: #"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"#, maxLength: 316),
            "status": .string("True, False or Unknown.", enum: ["True", "False", "Unknown"]),
            "observedGeneration": .integer("The generation the condition was set for.", minimum: 0, format: "int64"),
            "lastTransitionTime": { var s = JSONSchema.string("When the status last changed."); s.format = "date-time"; return s }(),
            "reason": .string("A PascalCase reason.", pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$", minLength: 1, maxLength: 1024),
            "message": .string("A human-readable message.", maxLength: 32768),
        ])
    }
}
