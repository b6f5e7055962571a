import KubeCore

/// Retries and failover to the next priority of targets.
public struct RetryPolicy: Sendable, Hashable, Codable {
    public static let triggers = [
        "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx", "refused-stream",
        "retriable-status-codes", "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
    ]

    public var attempts: Int?
    public var attemptsPerPriority: Int?
    public var perTryTimeout: GoDuration?
    /// The conditions that trigger a retry.
    public var triggers: [String]?
    /// The deprecated name of ``triggers``: YAML 1.1 (kubectl) reads a bare `on:` key as the boolean `true`.
    public var on: [String]?
    public var statusCodes: [Int]?

    public init(attempts: Int? = nil, attemptsPerPriority: Int? = nil, perTryTimeout: GoDuration? = nil,
                triggers: [String]? = nil, on: [String]? = nil, statusCodes: [Int]? = nil) {
        self.attempts = attempts
        self.attemptsPerPriority = attemptsPerPriority
        self.perTryTimeout = perTryTimeout
        self.triggers = triggers
        self.on = on
        self.statusCodes = statusCodes
    }

    /// The triggers the route asks for, under either name (at most one is set: the validator and CEL say so).
    public var effectiveTriggers: [String]? { triggers ?? on }

    static var schema: JSONSchema {
        let trigger = JSONSchema.string("A retry trigger.", enum: triggers)
        return .object("Retries, rendered into a BackendTrafficPolicy. With fallback targets (priority > 0), retries move on to the next priority after `attemptsPerPriority` tries.", [
            "attempts": .integer("Retries after the first try.", minimum: 0, maximum: 10, default: 2),
            "attemptsPerPriority": .integer("Tries per priority tier before failing over to the next one.", minimum: 1, maximum: 10, default: 1),
            "perTryTimeout": .duration("The timeout of each try."),
            "triggers": .array("The conditions that trigger a retry (Envoy Gateway retry triggers). Default: connect-failure, reset and retriable-status-codes with statusCodes 429 and 503.",
                               of: trigger, minItems: 1, maxItems: 13, listType: "set"),
            "on": .array("Deprecated: use `triggers`, which means the same. Kept because routes written before `triggers` use it; a bare `on:` key is the boolean true in YAML 1.1, which kubectl reads, so it must be quoted (`\"on\":`).",
                         of: trigger, minItems: 1, maxItems: 13, listType: "set"),
            "statusCodes": .array("HTTP status codes retried when `triggers` contains `retriable-status-codes`.",
                                  of: .integer("A status code.", minimum: 100, maximum: 599), minItems: 1, maxItems: 16, listType: "set"),
        ])
        .rule("!(has(self.triggers) && has(self.on))", "set triggers or its deprecated alias on, not both", fieldPath: ".on")
        .rule("!has(self.statusCodes) || (has(self.triggers) && 'retriable-status-codes' in self.triggers) || (has(self.on) && 'retriable-status-codes' in self.on)",
              "statusCodes take effect only when triggers contains \"retriable-status-codes\"", fieldPath: ".statusCodes")
    }
}

/// Request timeouts, copied to every AIGatewayRoute rule.
public struct Timeouts: Sendable, Hashable, Codable {
    public var request: GoDuration?
    public var streamIdle: GoDuration?

    public init(request: GoDuration? = nil, streamIdle: GoDuration? = nil) {
        self.request = request
        self.streamIdle = streamIdle
    }

    static var schema: JSONSchema {
        .object("Timeouts applied to every rule of the AIGatewayRoute.", [
            "request": .duration("The whole request, including retries; `0s` disables it."),
            "streamIdle": .duration("How long a streamed response may stay silent."),
        ])
    }
}

/// Mirrors a share of matched traffic to another backend; responses are discarded.
public struct ShadowPolicy: Sendable, Hashable, Codable {
    public var backend: String
    public var percent: Int

    public init(backend: String, percent: Int) {
        self.backend = backend
        self.percent = percent
    }

    static var schema: JSONSchema {
        .object("Duplicates a share of this route's requests to another backend, asynchronously from the classifier; its responses are discarded. The shadow backend must need no auth (the classifier never holds credentials).",
                required: ["backend", "percent"], [
            "backend": .string("The backend receiving the copies.", pattern: Patterns.dnsLabel, maxLength: 40),
            "percent": .integer("The share of requests copied, 0 to 100.", minimum: 0, maximum: 100),
        ])
    }
}
