import KubeCore

/// A progressive canary on one decision: the operator moves a growing share of the decision's `stable` traffic to
/// `candidate`, step by step, and before each step asks Prometheus how the candidate did (AI Gateway's own
/// request metrics) against the thresholds of `analysis`. A candidate that fails them is aborted back to the
/// stable backend; one that passes every step gets all of the stable backend's share (Succeeded).
public struct Rollout: Sendable, Hashable, Codable {
    /// What decides each step.
    public struct Analysis: Sendable, Hashable, Codable {
        public var maxErrorRate: String?
        public var maxLatencyRatio: String?
        public var minRequests: Int?

        public init(maxErrorRate: String? = nil, maxLatencyRatio: String? = nil, minRequests: Int? = nil) {
            self.maxErrorRate = maxErrorRate
            self.maxLatencyRatio = maxLatencyRatio
            self.minRequests = minRequests
        }

        public static let defaultMaxErrorRate = "0.05"
        public static let defaultMaxLatencyRatio = "1.5"
        public static let defaultMinRequests = 50
        public static let errorRatePattern = #"^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$"#
        public static let ratioPattern = #"^[0-9]{1,3}(\.[0-9]{1,2})?$"#

        /// The error-rate threshold in ten-thousandths (`0.05` → 500).
        public var errorRateBasisPoints: Int {
            Int(Pricing.fixedPoint(maxErrorRate ?? Self.defaultMaxErrorRate, decimals: 4) ?? 500)
        }
        /// The latency-ratio threshold in hundredths (`1.5` → 150).
        public var latencyRatioPercent: Int {
            Int(Pricing.fixedPoint(maxLatencyRatio ?? Self.defaultMaxLatencyRatio, decimals: 2) ?? 150)
        }
        public var effectiveMinRequests: Int { minRequests ?? Self.defaultMinRequests }

        static var schema: JSONSchema {
            .object("The thresholds each step is judged by, over the requests of the step so far (AI Gateway's `gen_ai_server_request_duration` histogram for the decision's alias, per backend).", [
                "maxErrorRate": .string("The largest share of the candidate's requests that may fail (a decimal fraction, e.g. `\"0.05\"` for 5%).",
                                        pattern: errorRatePattern, maxLength: 6, default: defaultMaxErrorRate),
                "maxLatencyRatio": .string("The largest ratio of the candidate's mean request duration to the stable backend's (a decimal, e.g. `\"1.5\"`).",
                                           pattern: ratioPattern, maxLength: 6, default: defaultMaxLatencyRatio),
                "minRequests": .integer("The fewest candidate requests a step needs before it is judged; with fewer, the step waits another interval.",
                                        minimum: 1, maximum: 1_000_000, default: defaultMinRequests),
            ])
        }
    }

    public var name: String
    public var decision: String?
    public var stable: String
    public var candidate: String
    public var steps: [Int]?
    public var interval: GoDuration?
    public var analysis: Analysis?

    public init(name: String, decision: String? = nil, stable: String, candidate: String, steps: [Int]? = nil,
                interval: GoDuration? = nil, analysis: Analysis? = nil) {
        self.name = name
        self.decision = decision
        self.stable = stable
        self.candidate = candidate
        self.steps = steps
        self.interval = interval
        self.analysis = analysis
    }

    public static let defaultSteps = [5, 25, 50]
    public static let defaultInterval: GoDuration = "5m"
    public static let maxSteps = 10

    /// The decision the rollout shifts; `default` for the default targets.
    public var effectiveDecision: String { decision ?? "default" }
    /// The candidate's share (percent of the stable backend's share) at each analysed step; 100, the promotion,
    /// follows the last one and is not analysed (the stable backend then serves nothing to compare with).
    public var analysedSteps: [Int] { (steps ?? Self.defaultSteps).filter { $0 < 100 } }
    public var effectiveAnalysis: Analysis { analysis ?? Analysis() }
    public var intervalSeconds: Int64 { max(1, (interval ?? Self.defaultInterval).milliseconds.map { ($0 + 999) / 1000 } ?? 300) }

    /// What a rollout is: changing any of these starts it over from the first step. Steps, interval and
    /// thresholds may change while it runs.
    public var identity: String { "\(effectiveDecision)/\(stable)/\(candidate)" }

    /// The annotation a user sets to steer the rollout (`pause`, `resume`, `restart`, `promote`, `abort`); the
    /// operator acts on it and removes it.
    public static let commandAnnotationPrefix = "rollout.semroute.io/"
    public var commandAnnotation: String { Self.commandAnnotationPrefix + name }

    /// Strictly increasing, checked pairwise over a literal index list (standard CEL, bounded cost).
    static var stepsSchema: JSONSchema {
        var s = JSONSchema.array("The candidate's percentage of the stable backend's share at each analysed step, strictly increasing; after the last, the candidate gets 100%.",
                                 of: .integer("A percentage.", minimum: 1, maximum: 100), minItems: 1, maxItems: maxSteps)
        s.defaultValue = .array(defaultSteps.map { JSONValue($0) })
        let pairs = (0..<(maxSteps - 1)).map(String.init).joined(separator: ", ")
        return s.rule("[\(pairs)].all(i, i + 1 >= size(self) || self[i] < self[i + 1])", "steps must be strictly increasing")
            .rule("self.exists(s, s < 100)", "at least one step must be below 100 (100, the promotion, follows the last step)")
    }

    static var schema: JSONSchema {
        .object("A progressive canary: the candidate gets a growing percentage of the stable backend's share of `decision`, one step per `interval`, each step judged from Prometheus (AI Gateway's request metrics for the decision's alias) before the next. A failing candidate is aborted back to the stable backend; one that passes every step gets all of it. Steer it with `kubectl annotate semanticroute <route> rollout.semroute.io/<name>=pause|resume|restart|promote|abort` (one-shot: the operator removes it; never keep it in a manifest).",
                required: ["name", "stable", "candidate"], [
            "name": .string("Names the rollout (a DNS label); its annotation is `rollout.semroute.io/<name>`.", pattern: Patterns.dnsLabel, maxLength: 40),
            "decision": .string("The decision whose traffic moves; `default` (the default) for requests no decision matches.",
                                pattern: Patterns.dnsLabel, maxLength: 40, default: "default"),
            "stable": .string("The backend that serves the decision now: one of its priority-0 targets.", pattern: Patterns.dnsLabel, maxLength: 40),
            "candidate": .string("The backend taking over the stable backend's share; not already a priority-0 target of the decision.",
                                 pattern: Patterns.dnsLabel, maxLength: 40),
            "steps": stepsSchema,
            "interval": .duration("How long each step runs before it is judged (at least four Prometheus scrape intervals).",
                                  default: defaultInterval.text),
            "analysis": Analysis.schema,
        ])
        .rule("self.stable != self.candidate", "candidate must differ from stable", fieldPath: ".candidate")
    }
}
