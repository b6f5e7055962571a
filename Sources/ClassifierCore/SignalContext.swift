/// The signals of one request, computed lazily and at most once: the embedding (and so the encoder) only
/// when a decision being evaluated asks for the domain or example similarity, or the cache needs it.
final class SignalContext {
    let prompt: PromptText
    /// The request's headers: lower-cased names, repeated headers joined by `,`.
    let headers: [String: String]
    let encoder: (any TextEncoder)?
    let domainHead: DomainHead?
    let exampleSets: [ExampleSet]
    private(set) var encoderDuration: Duration?
    private var embeddingCache: [Float]??
    private var domainCache: [Float]??
    private var exampleCache: [Int: Float?] = [:]

    init(prompt: String, headers: [String: String] = [:], encoder: (any TextEncoder)?, domainHead: DomainHead?,
         exampleSets: [ExampleSet]) {
        self.prompt = PromptText(prompt)
        self.headers = headers
        self.encoder = encoder
        self.domainHead = domainHead
        self.exampleSets = exampleSets
    }

    /// The prompt's embedding; nil without an encoder or for an empty prompt.
    func embedding() -> [Float]? {
        if let cached = embeddingCache { return cached }
        var result: [Float]?
        if let encoder, !prompt.string.isEmpty {
            let clock = ContinuousClock()
            let start = clock.now
            result = encoder.embed(prompt.string)
            encoderDuration = clock.now - start
        }
        embeddingCache = .some(result)
        return result
    }

    /// Domain probabilities in the head's label order; nil without a head, encoder or prompt.
    func domainProbabilities() -> [Float]? {
        if let cached = domainCache { return cached }
        var result: [Float]?
        if let domainHead, let e = embedding() {
            result = domainHead.probabilities(embedding: e, text: prompt.string)
        }
        domainCache = .some(result)
        return result
    }

    /// Whether the domain probabilities were computed already.
    var hasDomain: Bool { domainCache != nil }

    func domainLabel() -> String? {
        domainTop()?.label
    }

    /// The domain head's top label and its probability.
    func domainTop() -> (label: String, probability: Float)? {
        guard let p = domainProbabilities(), let domainHead else { return nil }
        let best = Self.argmax(p)
        return (domainHead.labels[best], p[best])
    }

    /// Whether the prompt's domain is one of `domains`: its top label when that reaches `minProbability` (nil: the
    /// head's default), else `general` (a top label below the floor is no specific domain).
    func domainMatches(_ domains: Set<String>, minProbability: Double?) -> Bool {
        guard let top = domainTop(), let domainHead else { return false }
        let floor = minProbability ?? domainHead.minProbability
        return domains.contains(Double(top.probability) >= floor ? top.label : "general")
    }

    /// The index of the highest probability (the first of equals).
    static func argmax(_ p: [Float]) -> Int {
        var best = 0
        for i in p.indices where p[i] > p[best] { best = i }
        return best
    }

    /// Highest cosine between the prompt and the utterances of example set `index`; nil without an embedding
    /// (no encoder, or an empty prompt such as a request without messages): there is nothing to compare.
    func exampleSimilarity(_ index: Int) -> Float? {
        if let cached = exampleCache[index] { return cached }
        var best: Float?
        if let e = embedding() {
            var max: Float = -1
            for u in exampleSets[index].embeddings {
                var dot: Float = 0
                for i in 0..<min(u.count, e.count) { dot += u[i] * e[i] }
                max = Swift.max(max, dot)
            }
            best = max
        }
        exampleCache[index] = .some(best)
        return best
    }

    /// The scores this request computed (the domain head's, example similarities), for the decision log:
    /// computing is lazy, so a signal no evaluated decision needed is absent, not recomputed here.
    var summary: SignalSummary {
        var summary = SignalSummary()
        if let cached = domainCache, let p = cached, let domainHead {
            let best = Self.argmax(p)
            summary.domain = domainHead.labels[best]
            summary.domainProbability = Double(p[best])
        }
        for index in exampleCache.keys.sorted() {
            if let similarity = exampleCache[index] ?? nil {
                summary.examples.append(.init(decision: exampleSets[index].decision, similarity: Double(similarity)))
            }
        }
        return summary
    }

    /// Whether the prompt is at least the threshold similar to the set's utterances (never without an embedding).
    func exampleMatches(_ index: Int) -> Bool {
        guard let similarity = exampleSimilarity(index) else { return false }
        return Double(similarity) >= exampleSets[index].threshold
    }
}

/// The embedded utterances of one `examples` condition.
struct ExampleSet: Sendable {
    var decision: String
    var threshold: Double
    var embeddings: [[Float]]
}
