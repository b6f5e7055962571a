import KubeCore

/// A routing decision: when its condition holds for a prompt, the request goes to its targets.
/// Decisions are evaluated by descending priority; the first match wins.
public struct Decision: Sendable, Hashable, Codable {
    public struct Reasoning: Sendable, Hashable, Codable {
        public enum Effort: String, Sendable, Hashable, Codable, CaseIterable { case low, medium, high }
        public var enabled: Bool?
        public var effort: Effort?
        public init(enabled: Bool? = nil, effort: Effort? = nil) {
            self.enabled = enabled
            self.effort = effort
        }
    }

    public var name: String
    public var description: String?
    public var priority: Int?
    public var when: DecisionCondition
    public var targets: [Target]
    public var reasoning: Reasoning?
    public var systemPrompt: String?

    public init(name: String, description: String? = nil, priority: Int? = nil, when: DecisionCondition, targets: [Target],
                reasoning: Reasoning? = nil, systemPrompt: String? = nil) {
        self.name = name
        self.description = description
        self.priority = priority
        self.when = when
        self.targets = targets
        self.reasoning = reasoning
        self.systemPrompt = systemPrompt
    }

    /// Decision names become AIGatewayRoute rule names and model aliases (`<route>.<decision>`).
    static let reservedNames: Set<String> = ["default", "route-not-found"]

    static var schema: JSONSchema {
        .object("A routing decision: when `when` holds for the prompt, the request goes to `targets`. Decisions are evaluated by descending `priority`; the first match wins.",
                required: ["name", "when", "targets"], [
            "name": .string("Names the decision (a DNS label); the classifier rewrites `model` to `<route>.<name>`. `default` is reserved.",
                            pattern: Patterns.dnsLabel, minLength: 1, maxLength: 48),
            "description": .string("Free text for humans.", maxLength: 1024),
            "priority": .integer("Higher is evaluated first; ties keep list order.", minimum: 0, maximum: 1_000_000, default: 0),
            "when": DecisionCondition.schema(depth: DecisionCondition.maxDepth),
            "targets": Target.listSchema("Where matching requests go. Targets of equal priority split traffic by weight; a higher priority number is a fallback used when all lower ones fail."),
            "reasoning": .object("Asks reasoning-capable models to think: the classifier adds the provider's reasoning parameters (`reasoning_effort`) to the body.", [
                "enabled": .boolean("Turns reasoning on.", default: true),
                "effort": .string("How hard to think.", enum: Reasoning.Effort.allCases.map(\.rawValue), default: "medium"),
            ]),
            "systemPrompt": .string("A system message prepended to the conversation for this decision.", maxLength: 8192),
        ])
        .rule("self.name != 'default'", "decision name 'default' is reserved for the default targets", fieldPath: ".name")
    }
}

/// A backend that receives traffic, with its share (`weight`) and failover tier (`priority`).
public struct Target: Sendable, Hashable, Codable {
    public var backend: String
    public var weight: Int?
    public var priority: Int?

    public init(backend: String, weight: Int? = nil, priority: Int? = nil) {
        self.backend = backend
        self.weight = weight
        self.priority = priority
    }

    public var effectiveWeight: Int { weight ?? 1 }
    public var effectivePriority: Int { priority ?? 0 }

    static let maxTargets = 16

    static func listSchema(_ description: String) -> JSONSchema {
        .array(description, of: .object("A backend receiving a share of the traffic.", required: ["backend"], [
            "backend": .string("The name of a backend of this route.", pattern: Patterns.dnsLabel, maxLength: 40),
            "weight": .integer("The share among targets of the same priority.", minimum: 0, maximum: 10000, default: 1),
            "priority": .integer("The failover tier: 0 is primary, 1 is used when every tier-0 target fails, and so on.", minimum: 0, maximum: 16, default: 0),
        ]), minItems: 1, maxItems: maxTargets)
        .rule("self.exists(t, (has(t.priority) ? t.priority : 0) == 0)", "at least one target must have priority 0")
        .rule("self.all(t, self.exists_one(u, u.backend == t.backend))", "a backend may appear once among the targets")
    }
}
