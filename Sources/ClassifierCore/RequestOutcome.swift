/// What the request phase of ext_proc should do with one buffered request body
/// (``ClassifierPipeline/processRequest(path:contentType:body:)``).
public enum RequestOutcome: Sendable {
    /// Leave the request untouched (not ours, or nothing to do).
    case passThrough(PassThroughReason)
    /// Replace the body and set the headers; AI Gateway then routes on the new `model`.
    case rewrite(RequestRewrite)
    /// Answer the client directly: a block (403) or a semantic-cache hit (200).
    case respond(ImmediateReply)
    /// Internal error; the server applies `config.failOpen` (pass through, or fail the request).
    case failure(PipelineFailure)
}

/// Why a request passed through untouched. The raw value is a stable metric label.
public enum PassThroughReason: String, Sendable, Hashable, Codable {
    /// `:method` is not POST (decided on the request headers; the body is never read).
    case notPost = "not_post"
    /// `:path` is not `…/v1/chat/completions` (query strings ignored).
    case notChatCompletions = "not_chat_completions"
    /// The content-type is set and is not JSON.
    case notJSONContentType = "not_json_content_type"
    /// The body is not a JSON object.
    case notJSON = "not_json"
    /// The body has no string `model`.
    case noModel = "no_model"
    /// `model` is neither this route's virtual model nor one of its aliases.
    case otherModel = "other_model"
}

/// One HTTP header to set on the request (ext_proc header mutation) or on an immediate reply.
public struct HeaderField: Sendable, Hashable, Codable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The request rewritten for the chosen decision.
public struct RequestRewrite: Sendable {
    /// The new request body (all fields the client sent are kept; `model` is the decision alias, plus the
    /// decision's `reasoning_effort` and system prompt, and PII placeholders when the policy redacts).
    public var body: [UInt8]
    /// Headers to set: `x-semroute-decision`, `x-semroute-domain` (only when the domain was computed) and
    /// `content-length` (the new body's length). Names are lower-case.
    public var headers: [HeaderField]
    /// The decision name, or `default` when none matched.
    public var decision: String
    /// The model alias written into the body (`<route>.<decision>` or the default alias).
    public var alias: String
    /// The domain label, when the domain signal was computed for this request (lazily: only when a
    /// decision that was evaluated needed it).
    public var domain: String?
    /// PII entity types that were redacted (empty unless the policy is Redact and something was found).
    public var redacted: [String]
    /// Present when the semantic cache is on and the request can be cached (non-streaming): hand it to
    /// ``ClassifierPipeline/recordResponse(_:status:body:)`` with the upstream response.
    public var cacheToken: CacheToken?
    /// Per-stage timings of this request.
    public var timings: StageTimings
    /// True when the request matched a decision (not the default), so shadow traffic may copy it.
    public var shadowEligible: Bool
    /// What the decision was taken on: the last turn, the conversation window or the session's pin.
    public var basis: DecisionBasis = .lastTurn
    /// True when this request's decision was pinned for its session just now (its first classified turn).
    public var pinned = false
    /// The sticky A/B test this request took part in and its arm (nil: no experiment, or no user header).
    public var experiment: ExperimentArm?
    /// The scores computed for the text the decision was taken on (decision log).
    public var signals = SignalSummary()
    /// The text the decision was taken on (the last user turn, or the conversation window), at most 512
    /// characters and redacted when the route redacts PII; empty unless the route's decision log asks for prompts.
    public var text = ""
}

/// An experiment and the arm a request was assigned to.
public struct ExperimentArm: Sendable, Hashable {
    public var experiment: String
    public var arm: String
}

/// A reply sent to the client instead of forwarding the request.
public struct ImmediateReply: Sendable {
    public enum Reason: String, Sendable, Hashable, Codable {
        /// PII found and the policy is Block (403, code `pii_detected`).
        case pii
        /// Jailbreak score at or above the threshold and the policy is Block (403, code `jailbreak_detected`).
        case jailbreak
        /// Semantic-cache hit (200, the cached response body).
        case cacheHit = "cache_hit"
    }
    public var status: Int
    /// `content-type: application/json` plus `x-semroute-decision` (cache hits) or `x-semroute-blocked`.
    public var headers: [HeaderField]
    /// For blocks: `{"error":{"message":…,"type":"invalid_request_error","code":"pii_detected"|"jailbreak_detected"}}`.
    public var body: [UInt8]
    public var reason: Reason
    /// The decision (cache hits only).
    public var decision: String?
    public var timings: StageTimings
}

/// An internal error of the pipeline. `kind` is a stable metric label.
public struct PipelineFailure: Error, Sendable, CustomStringConvertible {
    public var kind: String
    public var message: String
    public init(kind: String, message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { "\(kind): \(message)" }
}
