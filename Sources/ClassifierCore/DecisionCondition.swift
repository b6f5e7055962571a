import ClassifierConfig

/// A decision's `when`, compiled at config load. Every member that is set must hold; `anyOf` holds when
/// one of its conditions does, `allOf` when all do, `not` when none of its conditions does.
/// Cheap members are evaluated first (keywords before domain before examples), so a keyword that fails
/// keeps the encoder from running.
struct DecisionCondition: Sendable {
    var keywords: KeywordMatcher?
    var domains: Set<String>?
    /// Index into the pipeline's example sets (utterance embeddings of this condition).
    var examples: Int?
    var anyOf: [DecisionCondition]
    var allOf: [DecisionCondition]
    var not: [DecisionCondition]

    /// Whether evaluating this condition can need the embedding (domain or examples anywhere in it).
    var usesEmbedding: Bool {
        domains != nil || examples != nil || anyOf.contains(where: \.usesEmbedding) || allOf.contains(where: \.usesEmbedding)
            || not.contains(where: \.usesEmbedding)
    }

    func holds(_ signals: SignalContext) -> Bool {
        if let keywords, !keywords.matches(signals.prompt) { return false }
        for c in allOf where !c.usesEmbedding && !c.holds(signals) { return false }
        for c in not where !c.usesEmbedding && c.holds(signals) { return false }
        if let domains {
            guard let label = signals.domainLabel(), domains.contains(label) else { return false }
        }
        if let examples, !signals.exampleMatches(examples) { return false }
        for c in allOf where c.usesEmbedding && !c.holds(signals) { return false }
        for c in not where c.usesEmbedding && c.holds(signals) { return false }
        if !anyOf.isEmpty {
            let cheapFirst = anyOf.filter { !$0.usesEmbedding } + anyOf.filter(\.usesEmbedding)
            if !cheapFirst.contains(where: { $0.holds(signals) }) { return false }
        }
        return true
    }

    /// Whether any keyword matcher in the tree matches (for the classify report).
    func anyKeywordMatches(_ prompt: PromptText) -> Bool {
        if let keywords, keywords.matches(prompt) { return true }
        return (anyOf + allOf + not).contains { $0.anyKeywordMatches(prompt) }
    }
}

/// A config error: the field path (`decisions[2].when.keywords.regex[0]`) and the reason.
public struct ClassifierConfigError: Error, CustomStringConvertible, Equatable {
    public var field: String
    public var reason: String
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
    public var description: String { "\(field): \(reason)" }
}
