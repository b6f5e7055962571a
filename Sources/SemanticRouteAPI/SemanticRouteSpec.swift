import KubeCore

/// The desired state of a SemanticRoute: a virtual model, its backends and the decisions between them.
public struct SemanticRouteSpec: Sendable, Hashable, Codable {
    public var gatewayRef: GatewayReference
    public var hostnames: [String]?
    public var model: String
    public var aliases: [String]?
    public var backends: [Backend]
    public var decisions: [Decision]?
    public var defaultTargets: [Target]
    public var safety: SafetyPolicy?
    public var cache: CachePolicy?
    public var rateLimits: [TokenRateLimit]?
    public var retry: RetryPolicy?
    public var failover: FailoverPolicy?
    public var experiments: [Experiment]?
    public var rollouts: [Rollout]?
    public var timeouts: Timeouts?
    public var shadow: ShadowPolicy?
    public var session: SessionPolicy?
    public var conversation: ConversationPolicy?
    public var classifier: ClassifierSpec?
    public var observability: ObservabilityPolicy?

    public init(gatewayRef: GatewayReference, hostnames: [String]? = nil, model: String, aliases: [String]? = nil,
                backends: [Backend], decisions: [Decision]? = nil, defaultTargets: [Target], safety: SafetyPolicy? = nil,
                cache: CachePolicy? = nil, rateLimits: [TokenRateLimit]? = nil, retry: RetryPolicy? = nil,
                failover: FailoverPolicy? = nil, experiments: [Experiment]? = nil, rollouts: [Rollout]? = nil, timeouts: Timeouts? = nil, shadow: ShadowPolicy? = nil, session: SessionPolicy? = nil,
                conversation: ConversationPolicy? = nil, classifier: ClassifierSpec? = nil, observability: ObservabilityPolicy? = nil) {
        self.gatewayRef = gatewayRef
        self.hostnames = hostnames
        self.model = model
        self.aliases = aliases
        self.backends = backends
        self.decisions = decisions
        self.defaultTargets = defaultTargets
        self.safety = safety
        self.cache = cache
        self.rateLimits = rateLimits
        self.retry = retry
        self.failover = failover
        self.experiments = experiments
        self.rollouts = rollouts
        self.timeouts = timeouts
        self.shadow = shadow
        self.session = session
        self.conversation = conversation
        self.classifier = classifier
        self.observability = observability
    }

    /// An AIGatewayRoute holds at most 15 rules: one per decision plus the default.
    public static let maxDecisions = 14
    public static let maxBackends = 32
    /// A model name: what clients put in `model` (printable, no whitespace).
    static let modelPattern = #"^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$"#

    static var schema: JSONSchema {
        .object("The desired state of a SemanticRoute: the virtual model clients ask for, the upstream backends, and the decisions that pick between them.",
                required: ["gatewayRef", "model", "backends", "defaultTargets"], [
            "gatewayRef": GatewayReference.schema,
            "hostnames": .array("Hostnames copied to the AIGatewayRoute; empty means the Gateway's.",
                                of: .string("A hostname, optionally with a leading wildcard.", pattern: Patterns.hostname, maxLength: 253),
                                maxItems: 16, listType: "set"),
            "model": .string("The virtual model clients ask for, e.g. `MoM`. Requests for other models pass through untouched.",
                             pattern: modelPattern, minLength: 1, maxLength: 128),
            "aliases": .array("Other model names that mean the same virtual model, e.g. `auto`.",
                              of: .string("A model name.", pattern: modelPattern, minLength: 1, maxLength: 128), maxItems: 16, listType: "set"),
            "backends": .array("The upstream models.", of: Backend.schema, minItems: 1, maxItems: maxBackends, listType: "map", mapKeys: ["name"]),
            "decisions": .array("Routing decisions, evaluated by descending priority; the first match wins. At most 14 (an AIGatewayRoute holds 15 rules, one is the default).",
                                of: Decision.schema, maxItems: maxDecisions, listType: "map", mapKeys: ["name"]),
            "defaultTargets": Target.listSchema("Where requests go when no decision matches."),
            "safety": SafetyPolicy.schema,
            "cache": CachePolicy.schema,
            "rateLimits": .array("Token and money budgets, enforced by Envoy Gateway's global rate limiter (requires Redis).",
                                 of: TokenRateLimit.schema, maxItems: 16, listType: "map", mapKeys: ["name"]),
            "retry": RetryPolicy.schema,
            "failover": FailoverPolicy.schema,
            "experiments": .array("Sticky A/B tests, at most one per decision.", of: Experiment.schema, maxItems: maxDecisions + 1,
                                  listType: "map", mapKeys: ["name"]),
            "rollouts": .array("Progressive canaries, at most one per decision.", of: Rollout.schema, maxItems: maxDecisions + 1,
                               listType: "map", mapKeys: ["name"]),
            "timeouts": Timeouts.schema,
            "shadow": ShadowPolicy.schema,
            "session": SessionPolicy.schema,
            "conversation": ConversationPolicy.schema,
            "classifier": ClassifierSpec.schema,
            "observability": ObservabilityPolicy.schema,
        ])
        .rule("!has(self.decisions) || self.decisions.all(d, d.targets.all(t, self.backends.exists(b, b.name == t.backend)))",
              "every decision target must name a backend of this route", fieldPath: ".decisions")
        .rule("self.defaultTargets.all(t, self.backends.exists(b, b.name == t.backend))",
              "every default target must name a backend of this route", fieldPath: ".defaultTargets")
        .rule("!has(self.shadow) || self.backends.exists(b, b.name == self.shadow.backend)",
              "shadow.backend must name a backend of this route", fieldPath: ".shadow.backend")
        .rule("!has(self.aliases) || !(self.model in self.aliases)", "aliases must not repeat model", fieldPath: ".aliases")
        .rule("!has(self.rateLimits) || !self.rateLimits.exists(l, has(l.budget)) || self.backends.all(b, has(b.pricing))",
              "a money budget needs every backend priced", fieldPath: ".rateLimits")
        .rule("!has(self.rateLimits) || self.rateLimits.all(l, !has(l.budget) || self.backends.all(b, !has(b.pricing) || (has(b.pricing.currency) ? b.pricing.currency : '\(Pricing.defaultCurrency)') == (has(l.budget.currency) ? l.budget.currency : '\(Pricing.defaultCurrency)')))",
              "every budget and price of a route uses one currency", fieldPath: ".rateLimits")
        .rule("!has(self.experiments) || self.experiments.all(e, e.arms.all(a, self.backends.exists(b, b.name == a.backend)))",
              "every experiment arm must name a backend of this route", fieldPath: ".experiments")
        .rule("!has(self.experiments) || self.experiments.all(e, !has(e.decision) || e.decision == 'default' || (has(self.decisions) && self.decisions.exists(d, d.name == e.decision)))",
              "an experiment's decision must be a decision of this route, or default", fieldPath: ".experiments")
        .rule("!has(self.rollouts) || self.rollouts.all(r, self.backends.exists(b, b.name == r.stable) && self.backends.exists(b, b.name == r.candidate))",
              "a rollout's stable and candidate must name backends of this route", fieldPath: ".rollouts")
        .rule("!has(self.rollouts) || self.rollouts.all(r, !has(r.decision) || r.decision == 'default' || (has(self.decisions) && self.decisions.exists(d, d.name == r.decision)))",
              "a rollout's decision must be a decision of this route, or default", fieldPath: ".rollouts")
        .rule("!has(self.rollouts) || self.rollouts.all(r, self.rollouts.exists_one(o, (has(o.decision) ? o.decision : 'default') == (has(r.decision) ? r.decision : 'default')))",
              "at most one rollout per decision", fieldPath: ".rollouts")
        .rule("!has(self.failover) || !has(self.failover.mode) || self.failover.mode != 'ActiveActive' || (self.defaultTargets.all(t, !has(t.priority) || t.priority == 0) && (!has(self.decisions) || self.decisions.all(d, d.targets.all(t, !has(t.priority) || t.priority == 0))))",
              FailoverPolicy.activeActiveMessage, fieldPath: ".failover.mode")
        .rule("!has(self.failover) || !has(self.failover.healthCheck) || (has(self.failover.healthCheck.enabled) && !self.failover.healthCheck.enabled) || self.backends.all(b, b.provider == 'SelfHosted')",
              FailoverPolicy.hostedHealthCheckMessage, fieldPath: ".failover.healthCheck")
    }
}
