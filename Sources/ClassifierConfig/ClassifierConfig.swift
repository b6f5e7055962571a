/// The contract between the operator and the classifier: what the operator writes into the classifier's
/// ConfigMap (`config.json`) and the classifier reads. No dependencies, no secrets. Versioned: a classifier
/// refuses a config whose `version` it does not know.
public struct ClassifierConfig: Sendable, Hashable, Codable {
    public static let currentVersion = 1

    public var version: Int
    /// `<namespace>/<name>` of the SemanticRoute this classifier serves.
    public var route: String
    /// The virtual model and its aliases: only requests asking for one of these are classified.
    public var models: [String]
    public var decisions: [DecisionRule]
    /// The model alias requests get when no decision matches (`<route>.default`).
    public var defaultAlias: String
    public var safety: Safety?
    public var cache: Cache?
    public var shadow: Shadow?
    /// nil: no session pinning.
    public var session: Session?
    /// nil: the last user turn alone (`contextTurns: 0`).
    public var conversation: Conversation?
    /// Pass requests through unclassified on internal errors (true) or fail them (false).
    public var failOpen: Bool
    /// Sticky A/B tests, at most one per decision; nil: none.
    public var experiments: [Experiment]?
    /// nil: no decision log.
    public var decisionLog: DecisionLog?

    public init(version: Int = ClassifierConfig.currentVersion, route: String, models: [String], decisions: [DecisionRule],
                defaultAlias: String, safety: Safety? = nil, cache: Cache? = nil, shadow: Shadow? = nil, session: Session? = nil,
                conversation: Conversation? = nil, failOpen: Bool = true, experiments: [Experiment]? = nil,
                decisionLog: DecisionLog? = nil) {
        self.version = version
        self.route = route
        self.models = models
        self.decisions = decisions
        self.defaultAlias = defaultAlias
        self.safety = safety
        self.cache = cache
        self.shadow = shadow
        self.session = session
        self.conversation = conversation
        self.failOpen = failOpen
        self.experiments = experiments
        self.decisionLog = decisionLog
    }

    /// One decision, already sorted by priority by the operator (first match wins).
    public struct DecisionRule: Sendable, Hashable, Codable {
        public var name: String
        /// The model alias written into the request body (`<route>.<decision>`).
        public var alias: String
        public var priority: Int
        public var when: Condition
        public var reasoningEffort: String?
        public var systemPrompt: String?

        public init(name: String, alias: String, priority: Int, when: Condition, reasoningEffort: String? = nil,
                    systemPrompt: String? = nil) {
            self.name = name
            self.alias = alias
            self.priority = priority
            self.when = when
            self.reasoningEffort = reasoningEffort
            self.systemPrompt = systemPrompt
        }
    }

    /// All set members must hold; `anyOf` / `allOf` / `not` nest.
    public struct Condition: Sendable, Hashable, Codable {
        public var domains: [String]?
        /// The domain head's probability `domains` needs; nil: the head's calibrated default.
        public var domainMinProbability: Double?
        public var keywords: Keywords?
        public var examples: Examples?
        /// Request-header tests; every entry must hold.
        public var headers: [HeaderMatch]?
        public var anyOf: [Condition]?
        public var allOf: [Condition]?
        public var not: [Condition]?

        public init(domains: [String]? = nil, keywords: Keywords? = nil, examples: Examples? = nil, anyOf: [Condition]? = nil,
                    allOf: [Condition]? = nil, not: Condition? = nil, headers: [HeaderMatch]? = nil,
                    domainMinProbability: Double? = nil) {
            self.domains = domains
            self.domainMinProbability = domainMinProbability
            self.keywords = keywords
            self.examples = examples
            self.headers = headers
            self.anyOf = anyOf
            self.allOf = allOf
            self.not = not.map { [$0] }
        }
    }

    public struct Keywords: Sendable, Hashable, Codable {
        public var any: [String]
        public var all: [String]
        public var regex: [String]
        public var caseSensitive: Bool
        public var wordBoundary: Bool
        public init(any: [String] = [], all: [String] = [], regex: [String] = [], caseSensitive: Bool = false,
                    wordBoundary: Bool = true) {
            self.any = any
            self.all = all
            self.regex = regex
            self.caseSensitive = caseSensitive
            self.wordBoundary = wordBoundary
        }
    }

    public struct Examples: Sendable, Hashable, Codable {
        public var utterances: [String]
        public var threshold: Double
        public init(utterances: [String], threshold: Double) {
            self.utterances = utterances
            self.threshold = threshold
        }
    }

    public struct Safety: Sendable, Hashable, Codable {
        /// `Block`, `Redact` or `Allow`.
        public var piiAction: String?
        public var piiEntities: [String]
        public var jailbreakAction: String?
        public var jailbreakThreshold: Double
        /// `Patterns` (nil: the default) or `Trained`: patterns plus the trained jailbreak head over the
        /// prompt's embedding (one encoder pass per request).
        public var jailbreakDetector: String?
        public init(piiAction: String? = nil, piiEntities: [String] = [], jailbreakAction: String? = nil,
                    jailbreakThreshold: Double = 0.8, jailbreakDetector: String? = nil) {
            self.piiAction = piiAction
            self.piiEntities = piiEntities
            self.jailbreakAction = jailbreakAction
            self.jailbreakThreshold = jailbreakThreshold
            self.jailbreakDetector = jailbreakDetector
        }
    }

    public struct Cache: Sendable, Hashable, Codable {
        public var similarityThreshold: Double
        public var ttlSeconds: Double
        public var maxEntries: Int
        public init(similarityThreshold: Double, ttlSeconds: Double, maxEntries: Int) {
            self.similarityThreshold = similarityThreshold
            self.ttlSeconds = ttlSeconds
            self.maxEntries = maxEntries
        }
    }

    /// Copies of matched requests sent asynchronously to a backend that needs no credentials.
    public struct Shadow: Sendable, Hashable, Codable {
        /// The chat-completions URL of the shadow backend.
        public var url: String
        /// The model id the copy asks for.
        public var model: String
        public var percent: Int
        public init(url: String, model: String, percent: Int) {
            self.url = url
            self.model = model
            self.percent = percent
        }
    }
}
