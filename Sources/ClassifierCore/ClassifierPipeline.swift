import ClassifierConfig

/// The classifier for one ``ClassifierConfig``: request parsing, safety, signals, decisions, body rewrite
/// and the semantic cache. Immutable after init except the cache; safe to share across tasks. On a config
/// reload build a new pipeline and swap it in (the cache then starts empty).
///
/// Order of work for one request: path/content-type/JSON/model checks (pass through when not ours) →
/// safety (PII, jailbreak: block → 403) → decisions by priority, first match wins, signals computed
/// lazily (a keyword-only route never runs the encoder) → semantic cache (when on, non-streaming) →
/// rewrite.
public final class ClassifierPipeline: Sendable {
    public let config: ClassifierConfig
    let encoder: (any TextEncoder)?
    let domainHead: DomainHead?
    let decisions: [CompiledDecision]
    let exampleSets: [ExampleSet]
    let models: Set<String>
    let piiDetector: PIIDetector?
    let piiAction: SafetyAction
    let jailbreakAction: SafetyAction
    let jailbreakThreshold: Double
    /// Set for `safety.jailbreakDetector: Trained`: scores the latest user message's embedding.
    let jailbreakHead: DomainHead?
    let cache: SemanticCache?
    /// Session pins (`config.session`), and the lower-cased header naming the session.
    let sessions: SessionPins?
    let sessionHeader: String?
    /// Earlier user turns a follow-up is classified with (`config.conversation`; 0 without one).
    let contextTurns: Int
    /// Whether requests' headers matter (a `when.headers` test, session pinning or a sticky A/B test): ext_proc
    /// collects them only then. Fixed at load: it is read on every request.
    public let readsHeaders: Bool
    /// Sticky A/B tests by decision name (`default` for the default targets).
    let experiments: [String: ExperimentAssigner]

    enum SafetyAction: String { case block = "Block", redact = "Redact", allow = "Allow", off }

    struct CompiledDecision: Sendable {
        var name: String
        var alias: String
        var condition: DecisionCondition
        var reasoningEffort: String?
        var systemPrompt: String?
    }

    /// The default monotonic time source of the cache.
    public static let monotonicNow: @Sendable () -> Duration = {
        let origin = ContinuousClock.now
        return { origin.duration(to: .now) }
    }()

    /// Compiles `config`: checks every field, compiles keyword regexes, embeds every decision's example
    /// utterances once. `encoder` may be nil only when no decision uses `domains` or `examples` and the
    /// cache is off; `heads` may be nil only when no decision uses `domains`. `now` is the cache's monotonic
    /// clock (inject one in tests). Throws ``ClassifierConfigError`` naming the bad field.
    public init(config: ClassifierConfig, encoder: (any TextEncoder)?, heads: ClassifierHeads?,
                now: @escaping @Sendable () -> Duration = ClassifierPipeline.monotonicNow) throws {
        guard config.version == ClassifierConfig.currentVersion else {
            throw ClassifierConfigError(field: "version", reason: "unsupported version \(config.version) (this classifier reads \(ClassifierConfig.currentVersion))")
        }
        guard !config.models.isEmpty, config.models.allSatisfy({ !$0.isEmpty }) else {
            throw ClassifierConfigError(field: "models", reason: "must name at least one non-empty model")
        }
        guard !config.defaultAlias.isEmpty else {
            throw ClassifierConfigError(field: "defaultAlias", reason: "must not be empty")
        }
        try heads?.check(encoder: encoder)
        self.config = config
        self.encoder = encoder
        self.domainHead = heads?.domain
        self.models = Set(config.models)
        let labels = Set(heads?.domainLabels ?? DomainLabels.all)

        var compiler = ConditionCompiler(encoder: encoder, hasDomainHead: heads != nil, labels: labels)
        var decisions: [CompiledDecision] = []
        for (i, rule) in config.decisions.enumerated() {
            let field = "decisions[\(i)]"
            guard !rule.name.isEmpty, !rule.alias.isEmpty else {
                throw ClassifierConfigError(field: field, reason: "name and alias must not be empty")
            }
            if let effort = rule.reasoningEffort, !["minimal", "low", "medium", "high"].contains(effort) {
                throw ClassifierConfigError(field: "\(field).reasoningEffort", reason: "must be one of minimal, low, medium, high (got \(effort))")
            }
            let condition = try compiler.compile(rule.when, decision: rule.name, field: "\(field).when")
            decisions.append(CompiledDecision(name: rule.name, alias: rule.alias, condition: condition,
                                              reasoningEffort: rule.reasoningEffort, systemPrompt: rule.systemPrompt))
        }
        self.decisions = decisions
        self.exampleSets = compiler.exampleSets

        let safety = config.safety
        let piiAction = try Self.action(safety?.piiAction, allowed: [.block, .redact, .allow], field: "safety.piiAction")
        var entities = Set<PIIEntity>()
        for (i, name) in (safety?.piiEntities ?? []).enumerated() {
            guard let e = PIIEntity(rawValue: name) else {
                throw ClassifierConfigError(field: "safety.piiEntities[\(i)]",
                                            reason: "unknown entity \(name) (one of \(PIIEntity.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            entities.insert(e)
        }
        self.piiAction = piiAction
        self.piiDetector = piiAction == .off ? nil : PIIDetector(entities: entities.isEmpty ? Set(PIIEntity.allCases) : entities)
        self.jailbreakAction = try Self.action(safety?.jailbreakAction, allowed: [.block, .allow], field: "safety.jailbreakAction")
        let threshold = safety?.jailbreakThreshold ?? 0.8
        guard (0...1).contains(threshold) else {
            throw ClassifierConfigError(field: "safety.jailbreakThreshold", reason: "must be between 0 and 1 (got \(threshold))")
        }
        self.jailbreakThreshold = threshold
        switch safety?.jailbreakDetector {
        case nil, "Patterns":
            jailbreakHead = nil
        case "Trained":
            guard encoder != nil, let head = heads?.jailbreak else {
                throw ClassifierConfigError(field: "safety.jailbreakDetector",
                                            reason: "Trained needs the sentence encoder and the jailbreak head (heads/jailbreak.json), but \(encoder == nil ? "no model" : "no jailbreak head") is loaded")
            }
            jailbreakHead = jailbreakAction == .off ? nil : head
        case let other?:
            throw ClassifierConfigError(field: "safety.jailbreakDetector", reason: "must be Patterns or Trained (got \(other))")
        }

        if let c = config.cache {
            guard encoder != nil else {
                throw ClassifierConfigError(field: "cache", reason: "the semantic cache needs the sentence encoder, but no model is loaded")
            }
            guard (0...1).contains(c.similarityThreshold) else {
                throw ClassifierConfigError(field: "cache.similarityThreshold", reason: "must be between 0 and 1 (got \(c.similarityThreshold))")
            }
            guard c.ttlSeconds > 0, c.ttlSeconds.isFinite else {
                throw ClassifierConfigError(field: "cache.ttlSeconds", reason: "must be positive (got \(c.ttlSeconds))")
            }
            guard c.maxEntries > 0 else {
                throw ClassifierConfigError(field: "cache.maxEntries", reason: "must be positive (got \(c.maxEntries))")
            }
            cache = SemanticCache(similarityThreshold: c.similarityThreshold, ttl: .milliseconds(Int64(c.ttlSeconds * 1000)),
                                  maxEntries: c.maxEntries, now: now)
        } else {
            cache = nil
        }

        if let c = config.conversation {
            guard (0...8).contains(c.contextTurns) else {
                throw ClassifierConfigError(field: "conversation.contextTurns", reason: "must be between 0 and 8 (got \(c.contextTurns))")
            }
            contextTurns = c.contextTurns
        } else {
            contextTurns = 0
        }
        if let s = config.session {
            guard !s.header.isEmpty, !s.header.hasPrefix(":") else {
                throw ClassifierConfigError(field: "session.header", reason: "must name a request header (got \"\(s.header)\")")
            }
            guard s.ttlSeconds > 0, s.ttlSeconds.isFinite else {
                throw ClassifierConfigError(field: "session.ttlSeconds", reason: "must be positive (got \(s.ttlSeconds))")
            }
            guard s.maxSessions > 0 else {
                throw ClassifierConfigError(field: "session.maxSessions", reason: "must be positive (got \(s.maxSessions))")
            }
            sessionHeader = s.header.lowercased()
            sessions = SessionPins(ttl: .milliseconds(Int64(s.ttlSeconds * 1000)), maxSessions: s.maxSessions, now: now)
        } else {
            sessionHeader = nil
            sessions = nil
        }
        var experiments: [String: ExperimentAssigner] = [:]
        let decisionNames = Set(decisions.map(\.name) + ["default"])
        for (i, experiment) in (config.experiments ?? []).enumerated() {
            let field = "experiments[\(i)]"
            guard decisionNames.contains(experiment.decision) else {
                throw ClassifierConfigError(field: "\(field).decision", reason: "names no decision (got \(experiment.decision))")
            }
            guard experiments[experiment.decision] == nil else {
                throw ClassifierConfigError(field: "\(field).decision", reason: "decision \(experiment.decision) already has an experiment")
            }
            experiments[experiment.decision] = try ExperimentAssigner(experiment, field: field)
        }
        self.experiments = experiments
        readsHeaders = sessions != nil || !experiments.isEmpty || decisions.contains { $0.condition.usesHeaders }
    }

    /// Takes over the live session pins of the pipeline this one replaces (a config reload), when both pin by
    /// the same header; pins for decisions this config no longer has are dropped. Call before installing it.
    public func inheritSessions(from previous: ClassifierPipeline?) {
        guard let sessions, let old = previous?.sessions, previous?.sessionHeader == sessionHeader else { return }
        sessions.absorb(old, decisions: Set(decisions.map(\.name)))
    }


    /// Live session pins (0 without `config.session`).
    public var pinnedSessions: Int { sessions?.count ?? 0 }

    static func action(_ value: String?, allowed: [SafetyAction], field: String) throws -> SafetyAction {
        guard let value else { return .off }
        guard let action = SafetyAction(rawValue: value), allowed.contains(action) else {
            throw ClassifierConfigError(field: field, reason: "must be one of \(allowed.map(\.rawValue).joined(separator: ", ")) (got \(value))")
        }
        return action
    }

    /// True when some decision needs the encoder (domains or examples), the cache is on, or the trained
    /// jailbreak detector is.
    public var usesEncoder: Bool { cache != nil || jailbreakHead != nil || decisions.contains { $0.condition.usesEmbedding } }
}

/// The labels the domain head predicts: the 14 MMLU-Pro categories and `general` (no specific domain).
enum DomainLabels {
    static let all = ["biology", "business", "chemistry", "computer science", "economics", "engineering", "general",
                      "health", "history", "law", "math", "other", "philosophy", "physics", "psychology"]
}

/// Compiles config conditions, embedding example utterances as it meets them.
struct ConditionCompiler {
    let encoder: (any TextEncoder)?
    let hasDomainHead: Bool
    let labels: Set<String>
    var exampleSets: [ExampleSet] = []

    init(encoder: (any TextEncoder)?, hasDomainHead: Bool, labels: Set<String>) {
        self.encoder = encoder
        self.hasDomainHead = hasDomainHead
        self.labels = labels
    }

    mutating func compile(_ c: ClassifierConfig.Condition, decision: String, field: String) throws -> DecisionCondition {
        var out = DecisionCondition(keywords: nil, domains: nil, examples: nil, anyOf: [], allOf: [], not: [])
        var members = 0
        if let h = c.headers {
            guard !h.isEmpty else { throw ClassifierConfigError(field: "\(field).headers", reason: "must not be empty") }
            for (i, entry) in h.enumerated() {
                do {
                    out.headers.append(try HeaderMatcher(entry))
                } catch {
                    throw ClassifierConfigError(field: "\(field).headers[\(i)]" + (error.member.map { ".\($0)" } ?? ""),
                                                reason: "decision \(decision): \(error.reason)")
                }
            }
            members += 1
        }
        if let k = c.keywords {
            guard !(k.any.isEmpty && k.all.isEmpty && k.regex.isEmpty) else {
                throw ClassifierConfigError(field: "\(field).keywords", reason: "set at least one of any, all or regex")
            }
            do {
                out.keywords = try KeywordMatcher(k)
            } catch {
                throw ClassifierConfigError(field: "\(field).keywords.regex[\(error.index)]",
                                            reason: "decision \(decision): invalid regular expression: \(error.reason)")
            }
            members += 1
        }
        if c.domains == nil, c.domainMinProbability != nil {
            throw ClassifierConfigError(field: "\(field).domainMinProbability", reason: "decision \(decision): applies to domains; set domains too")
        }
        if let d = c.domains {
            guard !d.isEmpty else { throw ClassifierConfigError(field: "\(field).domains", reason: "must not be empty") }
            for (i, label) in d.enumerated() where !labels.contains(label) {
                throw ClassifierConfigError(field: "\(field).domains[\(i)]",
                                            reason: "unknown domain \(label) (one of \(labels.sorted().joined(separator: ", ")))")
            }
            guard encoder != nil, hasDomainHead else {
                throw ClassifierConfigError(field: "\(field).domains",
                                            reason: "decision \(decision) needs the sentence encoder and the domain head, but \(encoder == nil ? "no model" : "no domain head") is loaded")
            }
            out.domains = Set(d)
            if let floor = c.domainMinProbability {
                guard (0...1).contains(floor) else {
                    throw ClassifierConfigError(field: "\(field).domainMinProbability", reason: "decision \(decision): \(floor) is not between 0 and 1")
                }
                out.domainMinProbability = floor
            }
            members += 1
        }
        if let e = c.examples {
            guard let encoder else {
                throw ClassifierConfigError(field: "\(field).examples", reason: "decision \(decision) needs the sentence encoder, but no model is loaded")
            }
            guard !e.utterances.isEmpty else { throw ClassifierConfigError(field: "\(field).examples.utterances", reason: "must not be empty") }
            guard (0...1).contains(e.threshold) else {
                throw ClassifierConfigError(field: "\(field).examples.threshold", reason: "must be between 0 and 1 (got \(e.threshold))")
            }
            exampleSets.append(ExampleSet(decision: decision, threshold: e.threshold, embeddings: encoder.embed(batch: e.utterances)))
            out.examples = exampleSets.count - 1
            members += 1
        }
        for (name, list) in [("anyOf", c.anyOf), ("allOf", c.allOf), ("not", c.not)] {
            guard let list else { continue }
            guard !list.isEmpty else { throw ClassifierConfigError(field: "\(field).\(name)", reason: "must not be empty") }
            var compiled: [DecisionCondition] = []
            for (i, sub) in list.enumerated() {
                let subField = name == "not" && list.count == 1 ? "\(field).not" : "\(field).\(name)[\(i)]"
                compiled.append(try compile(sub, decision: decision, field: subField))
            }
            switch name {
            case "anyOf": out.anyOf = compiled
            case "allOf": out.allOf = compiled
            default: out.not = compiled
            }
            members += 1
        }
        guard members > 0 else { throw ClassifierConfigError(field: field, reason: "a condition needs at least one signal") }
        return out
    }
}
