import KubeCore

/// Health-aware failover: how Envoy keeps traffic away from a failing backend and brings it back. Rendered
/// into the route's BackendTrafficPolicy (Envoy Gateway `healthCheck` and `circuitBreaker`), which applies to
/// every backend of the route: Envoy Gateway and AI Gateway v1.1/v1.2 attach health checking to the clusters of
/// a route, not to one backend. Every route gets passive ejection, with these defaults when `failover` is unset.
public struct FailoverPolicy: Sendable, Hashable, Codable {
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        /// Targets keep their priorities: traffic goes to the lowest priority whose backends are healthy, and
        /// returns to it when they recover.
        case activePassive = "ActivePassive"
        /// One priority level: traffic is spread by weight over the healthy targets; an ejected one gets none.
        case activeActive = "ActiveActive"
    }

    /// Passive health checking (Envoy outlier detection), from the responses of real requests.
    public struct Ejection: Sendable, Hashable, Codable {
        public var consecutiveErrors: Int?
        public var interval: GoDuration?
        public var baseEjectionTime: GoDuration?
        public var maxEjectionPercent: Int?

        public init(consecutiveErrors: Int? = nil, interval: GoDuration? = nil, baseEjectionTime: GoDuration? = nil,
                    maxEjectionPercent: Int? = nil) {
            self.consecutiveErrors = consecutiveErrors
            self.interval = interval
            self.baseEjectionTime = baseEjectionTime
            self.maxEjectionPercent = maxEjectionPercent
        }

        public static let defaults = Ejection(consecutiveErrors: 3, interval: "5s", baseEjectionTime: "30s", maxEjectionPercent: 100)

        /// Every field set, the defaults where the route sets none.
        public var filled: Ejection {
            let d = Self.defaults
            return Ejection(consecutiveErrors: consecutiveErrors ?? d.consecutiveErrors, interval: interval ?? d.interval,
                            baseEjectionTime: baseEjectionTime ?? d.baseEjectionTime,
                            maxEjectionPercent: maxEjectionPercent ?? d.maxEjectionPercent)
        }

        static var schema: JSONSchema {
            .object("Passive health checking (Envoy outlier detection): a backend host that fails `consecutiveErrors` requests in a row (5xx, or a connection failure, reset or timeout) is ejected from load balancing for `baseEjectionTime`, longer each time it is ejected again. A 429 never ejects.", [
                "consecutiveErrors": .integer("Consecutive failed requests that eject a host.", minimum: 1, maximum: 1000,
                                              default: defaults.consecutiveErrors),
                "interval": .duration("How often ejections are reviewed (hosts whose ejection time is over return).", default: defaults.interval?.text),
                "baseEjectionTime": .duration("How long a host stays ejected the first time; the n-th consecutive ejection lasts n times as long (at most 300s).",
                                              default: defaults.baseEjectionTime?.text),
                "maxEjectionPercent": .integer("The share of a route's hosts that may be ejected at once. Envoy Gateway's own default, 10, ejects nothing below 10 hosts.",
                                               minimum: 1, maximum: 100, default: defaults.maxEjectionPercent),
            ])
        }
    }

    /// Active health checking: Envoy probes every host of the route over HTTP.
    public struct HealthCheck: Sendable, Hashable, Codable {
        public var enabled: Bool?
        public var path: String?
        public var interval: GoDuration?
        public var timeout: GoDuration?
        public var unhealthyThreshold: Int?
        public var healthyThreshold: Int?

        public init(enabled: Bool? = nil, path: String? = nil, interval: GoDuration? = nil, timeout: GoDuration? = nil,
                    unhealthyThreshold: Int? = nil, healthyThreshold: Int? = nil) {
            self.enabled = enabled
            self.path = path
            self.interval = interval
            self.timeout = timeout
            self.unhealthyThreshold = unhealthyThreshold
            self.healthyThreshold = healthyThreshold
        }

        public static let defaults = HealthCheck(enabled: true, path: "/health", interval: "5s", timeout: "3s",
                                                 unhealthyThreshold: 3, healthyThreshold: 2)

        public var filled: HealthCheck {
            let d = Self.defaults
            return HealthCheck(enabled: enabled ?? d.enabled, path: path ?? d.path, interval: interval ?? d.interval,
                               timeout: timeout ?? d.timeout, unhealthyThreshold: unhealthyThreshold ?? d.unhealthyThreshold,
                               healthyThreshold: healthyThreshold ?? d.healthyThreshold)
        }

        static var schema: JSONSchema {
            .object("Active health checking: Envoy sends `GET path` to every host of the route and expects a 200 (vLLM's `/health`). It is rendered only when every backend of the route is SelfHosted: the probe reaches every backend of the route, and a hosted provider would fail it and get no traffic. Unset on a route whose backends are all SelfHosted: on, with these defaults.", [
                "enabled": .boolean("Whether to probe the backends.", default: defaults.enabled),
                "path": .string("The path probed.", pattern: "^/[^\\s?#]*$", minLength: 1, maxLength: 1024, default: defaults.path),
                "interval": .duration("Time between two probes of one host.", default: defaults.interval?.text),
                "timeout": .duration("How long a probe may take.", default: defaults.timeout?.text),
                "unhealthyThreshold": .integer("Failed probes in a row (timeouts, refused connections) that mark a host unhealthy; a status other than 200 marks it at once.",
                                               minimum: 1, maximum: 100, default: defaults.unhealthyThreshold),
                "healthyThreshold": .integer("Passed probes in a row that bring an unhealthy host back.", minimum: 1, maximum: 100,
                                             default: defaults.healthyThreshold),
            ])
        }
    }

    /// Connection and request limits per Envoy replica, shared by the backends of one route rule.
    public struct CircuitBreaker: Sendable, Hashable, Codable {
        public var maxConnections: Int?
        public var maxPendingRequests: Int?
        public var maxParallelRequests: Int?

        public init(maxConnections: Int? = nil, maxPendingRequests: Int? = nil, maxParallelRequests: Int? = nil) {
            self.maxConnections = maxConnections
            self.maxPendingRequests = maxPendingRequests
            self.maxParallelRequests = maxParallelRequests
        }

        public static let defaultLimit = 1024

        /// Every field set, the default limit where the route sets none.
        public var filled: CircuitBreaker {
            CircuitBreaker(maxConnections: maxConnections ?? Self.defaultLimit, maxPendingRequests: maxPendingRequests ?? Self.defaultLimit,
                           maxParallelRequests: maxParallelRequests ?? Self.defaultLimit)
        }

        static var schema: JSONSchema {
            let limit = { (what: String) in JSONSchema.integer(what, minimum: 1, maximum: 1_000_000, default: defaultLimit) }
            return .object("Circuit breakers: past a limit Envoy answers 503 at once instead of queueing more work on an overloaded backend. Per Envoy replica, shared by the backends of one rule (a decision or the default).", [
                "maxConnections": limit("Open connections to the rule's backends."),
                "maxPendingRequests": limit("Requests waiting for a connection."),
                "maxParallelRequests": limit("Requests in flight."),
            ])
        }
    }

    public var mode: Mode?
    public var ejection: Ejection?
    public var healthCheck: HealthCheck?
    public var circuitBreaker: CircuitBreaker?

    public init(mode: Mode? = nil, ejection: Ejection? = nil, healthCheck: HealthCheck? = nil, circuitBreaker: CircuitBreaker? = nil) {
        self.mode = mode
        self.ejection = ejection
        self.healthCheck = healthCheck
        self.circuitBreaker = circuitBreaker
    }

    public static let defaultMode = Mode.activePassive

    static let activeActiveMessage = "ActiveActive puts every target on one priority level: no target may set a priority above 0 (use ActivePassive for fallback tiers)"
    static let hostedHealthCheckMessage = "an active health check probes every backend of the route, and a hosted provider would fail it and get no traffic: set healthCheck only when every backend is SelfHosted (passive ejection still covers hosted backends)"

    /// Whether Envoy probes the route's backends: the check is on (explicitly or by default) and every backend
    /// is SelfHosted. A route with a hosted backend relies on passive ejection alone.
    public static func probes(_ spec: SemanticRouteSpec) -> Bool {
        (spec.failover?.healthCheck?.enabled ?? true) && spec.backends.allSatisfy { $0.provider == .selfHosted }
    }

    static var schema: JSONSchema {
        .object("Health-aware failover, rendered into the route's BackendTrafficPolicy for every backend of the route. Unset: ActivePassive with passive ejection on its defaults, and, when every backend is SelfHosted, an active `GET /health` check. See docs/operations.md, \"Failover\".", [
            "mode": .string("ActivePassive: targets keep their priorities; traffic moves to the next priority while the lower one is unhealthy and comes back when it recovers. ActiveActive: every target on one priority level (no target may set `priority`), spread by weight; an ejected backend gets no traffic, and with every backend ejected requests fail with 503 until one returns.",
                            enum: Mode.allCases.map(\.rawValue), default: defaultMode.rawValue),
            "ejection": Ejection.schema,
            "healthCheck": HealthCheck.schema,
            "circuitBreaker": CircuitBreaker.schema,
        ])
    }
}
