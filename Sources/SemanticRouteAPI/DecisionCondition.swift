import KubeCore

/// When a decision applies: every listed signal (prompt signals and request headers) must hold. `anyOf`, `allOf` and `not` nest conditions
/// (up to ``maxDepth`` levels, because CRD schemas cannot be recursive).
public struct DecisionCondition: Sendable, Hashable, Codable {
    public struct Keywords: Sendable, Hashable, Codable {
        public var any: [String]?
        public var all: [String]?
        public var regex: [String]?
        public var caseSensitive: Bool?
        public var wordBoundary: Bool?
        public init(any: [String]? = nil, all: [String]? = nil, regex: [String]? = nil, caseSensitive: Bool? = nil,
                    wordBoundary: Bool? = nil) {
            self.any = any
            self.all = all
            self.regex = regex
            self.caseSensitive = caseSensitive
            self.wordBoundary = wordBoundary
        }
    }

    public struct Examples: Sendable, Hashable, Codable {
        public var utterances: [String]
        public var threshold: Double?
        public init(utterances: [String], threshold: Double? = nil) {
            self.utterances = utterances
            self.threshold = threshold
        }
    }

    public var domains: [String]?
    /// The probability the domain head must give its label for `domains` to match; nil takes the head's calibrated
    /// default (`heads/domain.json` `minProbability`). Below it the prompt has no domain, as for a general request.
    public var domainMinProbability: Double?
    public var keywords: Keywords?
    public var examples: Examples?
    /// Request-header tests; every entry must hold.
    public var headers: [HeaderMatch]?
    public var anyOf: [DecisionCondition]?
    public var allOf: [DecisionCondition]?
    private var boxedNot: [DecisionCondition]?

    public var not: DecisionCondition? {
        get { boxedNot?.first }
        set { boxedNot = newValue.map { [$0] } }
    }

    enum CodingKeys: String, CodingKey {
        case domains, domainMinProbability, keywords, examples, headers, anyOf, allOf
        case boxedNot = "not"
    }

    public init(domains: [String]? = nil, keywords: Keywords? = nil, examples: Examples? = nil,
                anyOf: [DecisionCondition]? = nil, allOf: [DecisionCondition]? = nil, not: DecisionCondition? = nil,
                headers: [HeaderMatch]? = nil, domainMinProbability: Double? = nil) {
        self.domains = domains
        self.domainMinProbability = domainMinProbability
        self.keywords = keywords
        self.examples = examples
        self.headers = headers
        self.anyOf = anyOf
        self.allOf = allOf
        self.boxedNot = not.map { [$0] }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        domains = try c.decodeIfPresent([String].self, forKey: .domains)
        domainMinProbability = try c.decodeIfPresent(Double.self, forKey: .domainMinProbability)
        keywords = try c.decodeIfPresent(Keywords.self, forKey: .keywords)
        examples = try c.decodeIfPresent(Examples.self, forKey: .examples)
        headers = try c.decodeIfPresent([HeaderMatch].self, forKey: .headers)
        anyOf = try c.decodeIfPresent([DecisionCondition].self, forKey: .anyOf)
        allOf = try c.decodeIfPresent([DecisionCondition].self, forKey: .allOf)
        boxedNot = try c.decodeIfPresent(DecisionCondition.self, forKey: .boxedNot).map { [$0] }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(domains, forKey: .domains)
        try c.encodeIfPresent(domainMinProbability, forKey: .domainMinProbability)
        try c.encodeIfPresent(keywords, forKey: .keywords)
        try c.encodeIfPresent(examples, forKey: .examples)
        try c.encodeIfPresent(headers, forKey: .headers)
        try c.encodeIfPresent(anyOf, forKey: .anyOf)
        try c.encodeIfPresent(allOf, forKey: .allOf)
        try c.encodeIfPresent(not, forKey: .boxedNot)
    }

    /// Nesting levels of `anyOf` / `allOf` / `not` the schema allows below `when`.
    public static let maxDepth = 2

    /// True when no signal and no nested condition is set.
    public var isEmpty: Bool {
        domains == nil && keywords == nil && examples == nil && headers == nil && anyOf == nil && allOf == nil && not == nil
    }

    /// Whether this condition (or a nested one) needs the encoder (domains or example utterances; headers never do).
    public var needsEmbedding: Bool {
        domains != nil || examples != nil || (anyOf ?? []).contains(where: \.needsEmbedding)
            || (allOf ?? []).contains(where: \.needsEmbedding) || (not?.needsEmbedding ?? false)
    }

    /// The domain labels the classifier knows: the MMLU-Pro categories its domain head is trained on, and
    /// `general` for requests with no specific domain (open writing, chat, everyday tasks).
    public static let knownDomains = [
        "biology", "business", "chemistry", "computer science", "economics", "engineering", "general", "health",
        "history", "law", "math", "other", "philosophy", "physics", "psychology",
    ]

    static func schema(depth: Int) -> JSONSchema {
        var s = JSONSchema.object("A condition over the prompt's signals and the request's headers. Every listed signal must hold; `anyOf`, `allOf` and `not` nest further conditions.", [
            "domains": .array("Matches when the classifier's domain label is one of these.",
                              of: .string("A domain label.", enum: knownDomains), minItems: 1, maxItems: knownDomains.count, listType: "set"),
            "domainMinProbability": .number("The probability the domain head must give its label for `domains` to match, 0 to 1. Unset: the head's calibrated default (docs/classifier-signals.md); below it the prompt counts as having no domain.", minimum: 0, maximum: 1),
            "keywords": .object("Matches on words in the user's messages.", [
                "any": .array("Matches when at least one of these appears.", of: .string("A keyword or phrase.", minLength: 1, maxLength: 256), minItems: 1, maxItems: 256),
                "all": .array("Matches when all of these appear.", of: .string("A keyword or phrase.", minLength: 1, maxLength: 256), minItems: 1, maxItems: 64),
                "regex": .array("Matches when any of these regular expressions (RE2 syntax subset) matches.", of: .string("A regular expression.", minLength: 1, maxLength: 1024), minItems: 1, maxItems: 32),
                "caseSensitive": .boolean("Compares case-sensitively.", default: false),
                "wordBoundary": .boolean("Keywords match whole words only (`integral` does not match `integrals`).", default: true),
            ]).rule("has(self.any) || has(self.all) || has(self.regex)", "set at least one of any, all or regex"),
            "examples": .object("Matches when the prompt is semantically close to one of these utterances (cosine similarity of MiniLM embeddings).",
                                required: ["utterances"], [
                "utterances": .array("Example prompts for this decision.", of: .string("An example prompt.", minLength: 1, maxLength: 2048), minItems: 1, maxItems: 128),
                "threshold": .number("The minimum cosine similarity, 0 to 1.", minimum: 0, maximum: 1, default: 0.7),
            ]),
            "headers": HeaderMatch.listSchema,
        ])
        if depth > 0 {
            let nested = schema(depth: depth - 1)
            s.setProperty("anyOf", .array("Holds when at least one of these holds.", of: nested, minItems: 1, maxItems: 16))
            s.setProperty("allOf", .array("Holds when all of these hold.", of: nested, minItems: 1, maxItems: 16))
            s.setProperty("not", { var n = nested; n.description = "Holds when this condition does not."; return n }())
        }
        // Structural objects are not maps in Kubernetes CEL (no size()); name each member instead.
        let members = s.propertyOrder.filter { $0 != "domainMinProbability" }.map { "has(self.\($0))" }.joined(separator: " || ")
        return s.rule(members, "a condition needs at least one signal")
            .rule("!has(self.domainMinProbability) || has(self.domains)", "domainMinProbability applies to domains: set domains too")
    }
}
