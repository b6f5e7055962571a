/// The answer of `POST /v1/classify` (``ClassifierPipeline/classify(body:)``): every signal computed
/// eagerly (unlike the request path, which computes embedding-based signals only when a decision needs
/// them), the decision and its alias, and what safety would do. Encodes to JSON with camelCase keys.
public struct ClassificationReport: Sendable, Encodable {
    /// The text the signals were computed on (the last user message).
    public var text: String
    public var signals: Signals
    /// The decision name, or `default` when none matched (also set when blocked: what would have run).
    public var decision: String
    public var alias: String
    /// What the decision was taken on: `last_turn`, `conversation` (the last turn matched nothing; with earlier
    /// user turns it did) or `session` (the session header's live pin; `/v1/classify` never pins).
    public var decidedOn: DecisionBasis
    /// `pii` or `jailbreak` when the request would be refused with 403; nil otherwise.
    public var blocked: String?
    /// PII entity types that would be redacted (Redact policy).
    public var redacted: [String]
    /// What ext_proc would do with this body on a chat-completions POST; `decision` and `alias` above are
    /// what the route would choose if the request were its own.
    public var extProc: ExtProcPreview
    public var timings: StageTimings

    public struct ExtProcPreview: Sendable, Encodable, Hashable {
        public enum Action: String, Sendable, Encodable, Hashable {
            case rewrite, block, passThrough
        }
        public var action: Action
        /// For `passThrough`: the `semroute_classifier_pass_through_total` reason (`other_model`, `no_model`).
        public var reason: String?
        /// One sentence saying what ext_proc does and why.
        public var detail: String
    }

    public struct Signals: Sendable, Encodable {
        /// Per decision with a keyword condition that holds (any of them in its condition tree, `not` included),
        /// the keywords and regular expressions that matched, in config order.
        public var keywordMatches: [KeywordMatch]
        /// The domain head's label and per-label probabilities; nil without an encoder or head.
        public var domain: DomainScore?
        /// Per decision with example utterances: the highest cosine similarity to its utterances.
        public var examples: [ExampleScore]
        public var pii: [PIIFinding]
        public var jailbreak: JailbreakScore
        public var structure: StructureSignals
        /// Per decision with header tests (anywhere in its condition tree, `not` included), which held for the
        /// request's headers, in config order.
        public var headerMatches: [HeaderMatch] = []
    }

    public struct HeaderMatch: Sendable, Encodable, Hashable {
        public var decision: String
        /// The (lower-cased) names of the headers whose tests hold, in tree order without repeats.
        public var matched: [String]
        /// The names of the headers whose tests do not hold.
        public var unmatched: [String]
    }

    public struct DomainScore: Sendable, Encodable, Hashable {
        public var label: String
        public var probability: Double
        /// The probability a `domains` condition needs unless it sets its own (the head's calibrated default).
        public var minProbability: Double
        /// All labels with their probabilities, highest first.
        public var scores: [LabelScore]
    }

    public struct LabelScore: Sendable, Encodable, Hashable {
        public var label: String
        public var probability: Double
    }

    public struct KeywordMatch: Sendable, Encodable, Hashable {
        public var decision: String
        /// The `any` and `all` keywords found in the text, as written in the route.
        public var keywords: [String]
        /// The `regex` patterns that matched, as written in the route.
        public var regex: [String]
    }

    public struct ExampleScore: Sendable, Encodable, Hashable {
        public var decision: String
        /// The highest cosine similarity to the decision's utterances; nil (absent in JSON) when there is no
        /// text to embed, e.g. no messages.
        public var similarity: Double?
        public var threshold: Double
    }

    public struct PIIFinding: Sendable, Encodable, Hashable {
        /// `EMAIL`, `PHONE`, `CREDIT_CARD`, `US_SSN`, `IP_ADDRESS` or `IBAN`.
        public var entity: String
        public var count: Int
    }

    public struct JailbreakScore: Sendable, Encodable, Hashable {
        /// 0...1; at or above the configured threshold counts as a jailbreak.
        public var score: Double
        /// The pattern families that fired.
        public var patterns: [String]
        /// P(jailbreak) from the trained head (`detector: Trained` only); `score` is the higher of the two.
        public var headScore: Double?
    }
}
