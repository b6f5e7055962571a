import ClassifierConfig

/// A decision's `when`, compiled at config load. Every member that is set must hold; `anyOf` holds when
/// one of its conditions does, `allOf` when all do, `not` when none of its conditions does.
/// Cheap members are evaluated first (headers before keywords before domain before examples), so a header
/// or keyword that fails keeps the encoder from running.
struct DecisionCondition: Sendable {
    /// Request-header tests (all must hold); empty when the condition has none. Never need the embedding.
    var headers: [HeaderMatcher] = []
    var keywords: KeywordMatcher?
    var domains: Set<String>?
    /// The probability `domains` needs; nil: the domain head's calibrated default.
    var domainMinProbability: Double?
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

    /// Whether this condition or a nested one tests request headers.
    var usesHeaders: Bool {
        !headers.isEmpty || anyOf.contains(where: \.usesHeaders) || allOf.contains(where: \.usesHeaders) || not.contains(where: \.usesHeaders)
    }

    func holds(_ signals: SignalContext) -> Bool {
        if !headers.allSatisfy({ $0.matches(signals.headers) }) { return false }
        if let keywords, !keywords.matches(signals.prompt) { return false }
        for c in allOf where !c.usesEmbedding && !c.holds(signals) { return false }
        for c in not where !c.usesEmbedding && c.holds(signals) { return false }
        if let domains {
            guard signals.domainMatches(domains, minProbability: domainMinProbability) else { return false }
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

    /// The names of the header tests in the tree that hold and that do not (for the classify report), in tree
    /// order without repeats; nil when the tree has no header test.
    func headerResults(_ headers: [String: String]) -> (matched: [String], unmatched: [String])? {
        var matched: [String] = [], unmatched: [String] = []
        var any = false
        func visit(_ c: DecisionCondition) {
            for h in c.headers {
                any = true
                if h.matches(headers) {
                    if !matched.contains(h.name) { matched.append(h.name) }
                } else if !unmatched.contains(h.name) {
                    unmatched.append(h.name)
                }
            }
            for child in c.anyOf + c.allOf + c.not { visit(child) }
        }
        visit(self)
        return any ? (matched, unmatched) : nil
    }

    /// The keywords and regular expressions of every keyword matcher in the tree that holds (for the classify
    /// report), in tree order without repeats; nil when none holds.
    func keywordMatches(_ prompt: PromptText) -> (keywords: [String], regex: [String])? {
        var found: (keywords: [String], regex: [String])?
        if let keywords, let terms = keywords.matchedTerms(prompt) { found = terms }
        for child in anyOf + allOf + not {
            guard let terms = child.keywordMatches(prompt) else { continue }
            var merged = found ?? ([], [])
            merged.keywords += terms.keywords.filter { !merged.keywords.contains($0) }
            merged.regex += terms.regex.filter { !merged.regex.contains($0) }
            found = merged
        }
        return found
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
