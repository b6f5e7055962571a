import KubeCore

/// A sticky A/B test on one decision: users (named by a request header) are split between arms by weight, each
/// user always to the same arm, and each arm's requests go to its own backend. Requests without the header
/// take the decision's own targets. The classifier counts assignments per arm
/// (`semroute_classifier_experiment_assignments_total`), and AI Gateway's metrics carry each arm's alias
/// (`gen_ai_original_model`).
public struct Experiment: Sendable, Hashable, Codable {
    public struct Arm: Sendable, Hashable, Codable {
        public var name: String
        public var backend: String
        public var weight: Int?

        public init(name: String, backend: String, weight: Int? = nil) {
            self.name = name
            self.backend = backend
            self.weight = weight
        }

        public var effectiveWeight: Int { weight ?? 1 }
    }

    public var name: String
    public var decision: String?
    public var header: String
    public var arms: [Arm]

    public init(name: String, decision: String? = nil, header: String, arms: [Arm]) {
        self.name = name
        self.decision = decision
        self.header = header
        self.arms = arms
    }

    /// The decision the experiment splits; `default` for the default targets.
    public var effectiveDecision: String { decision ?? "default" }

    static var schema: JSONSchema {
        .object("A sticky A/B test: requests that take `decision` and carry `header` are split between `arms` by weight, by a stable hash of the experiment name and the header's value, so one user always gets the same arm (on every classifier replica) while the experiment is unchanged. Each arm's requests go to its backend (the decision's fallback targets stay behind it) under the alias `<route>.<decision>.<arm>`, which AI Gateway's metrics carry as the original model (`gen_ai_original_model`). Requests without the header take the decision's own targets. Each arm is one AIGatewayRoute rule: decisions, the default and every arm together fit in 15.",
                required: ["name", "header", "arms"], [
            "name": .string("Names the experiment (a DNS label); part of the hash, so renaming it reshuffles users.", pattern: Patterns.dnsLabel, maxLength: 40),
            "decision": .string("The decision whose requests are split; `default` (the default) for requests no decision matches.",
                                pattern: Patterns.dnsLabel, maxLength: 40, default: "default"),
            "header": .string("The request header naming the user, e.g. `x-user-id` (case-insensitive).", pattern: Patterns.headerName, minLength: 1, maxLength: 256),
            "arms": .array("The arms, at least two.", of: .object("One arm: a backend and its share of users.", required: ["name", "backend"], [
                "name": .string("Names the arm (a DNS label).", pattern: Patterns.dnsLabel, maxLength: 40),
                "backend": .string("The backend this arm's requests go to.", pattern: Patterns.dnsLabel, maxLength: 40),
                "weight": .integer("The arm's share of users, relative to the other arms.", minimum: 0, maximum: 10000, default: 1),
            ]), minItems: 2, maxItems: 13, listType: "map", mapKeys: ["name"])
                .rule("self.exists(a, !has(a.weight) || a.weight > 0)", "at least one arm needs a weight above 0"),
        ])
    }
}
