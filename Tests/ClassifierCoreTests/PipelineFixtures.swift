import ClassifierConfig
import Synchronization
@testable import ClassifierCore

/// A deterministic stand-in encoder for decision tests: a normalised bag of hashed words (so texts sharing
/// words are similar), counting its calls so tests can assert when the encoder ran.
final class BagOfWordsEncoder: TextEncoder {
    let dimension = 64
    private let calls = Mutex(0)

    var callCount: Int { calls.withLock { $0 } }

    func embed(_ text: String) -> [Float] {
        calls.withLock { $0 += 1 }
        var v = [Float](repeating: 0, count: dimension)
        for word in DomainHead.words(text) { v[Int(DomainHead.fnv1a32(word.utf8) % UInt32(dimension))] += 1 }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? v.map { $0 / norm } : v
    }

    func embed(batch texts: [String]) -> [[Float]] { texts.map(embed) }
}

/// A manual monotonic clock for cache TTL tests.
final class ManualClock: Sendable {
    private let value = Mutex(Duration.zero)
    var now: Duration { value.withLock { $0 } }
    func advance(by d: Duration) { value.withLock { $0 += d } }
}

enum Fixtures {
    /// A domain head that labels by keyword n-grams only (embedding weight 0): "integral" → math,
    /// "contract" → law, otherwise "other" (its bias wins).
    /// `minProbability` is the head's default floor for `domains` conditions.
    static func keywordDomainHead(dimension: Int = 64, minProbability: Double = 0) -> DomainHead {
        let labels = DomainLabels.all
        let buckets = 1024
        var ngram = [Float](repeating: 0, count: labels.count * buckets)
        func boost(_ word: String, _ label: String) {
            let k = Int(DomainHead.fnv1a32(word.utf8) % UInt32(buckets))
            ngram[labels.firstIndex(of: label)! * buckets + k] = 10
        }
        boost("integral", "math")
        boost("contract", "law")
        var bias = [Float](repeating: 0, count: labels.count)
        bias[labels.firstIndex(of: "other")!] = 1
        return DomainHead(labels: labels, dimension: dimension, buckets: buckets, embeddingWeight: 0,
                          embeddingWeights: [Float](repeating: 0, count: labels.count * dimension),
                          embeddingBias: [Float](repeating: 0, count: labels.count), ngramWeights: ngram, ngramBias: bias,
                          idf: [Float](repeating: 1, count: buckets), minProbability: minProbability)
    }

    static func rule(_ name: String, _ when: ClassifierConfig.Condition, effort: String? = nil, systemPrompt: String? = nil)
        -> ClassifierConfig.DecisionRule {
        .init(name: name, alias: "mom.\(name)", priority: 0, when: when, reasoningEffort: effort, systemPrompt: systemPrompt)
    }

    static func config(_ rules: [ClassifierConfig.DecisionRule], safety: ClassifierConfig.Safety? = nil,
                       cache: ClassifierConfig.Cache? = nil) -> ClassifierConfig {
        ClassifierConfig(route: "llm/mom", models: ["MoM", "auto"], decisions: rules, defaultAlias: "mom.default",
                         safety: safety, cache: cache)
    }

    static func chat(_ prompt: String, model: String = "MoM", extra: String = "") -> [UInt8] {
        var quoted: [UInt8] = []
        ChatJSON.writeString(prompt, into: &quoted)
        return Array("{\"model\":\"\(model)\",\"messages\":[{\"role\":\"user\",\"content\":\(String(decoding: quoted, as: UTF8.self))}]\(extra)}".utf8)
    }

    /// Runs the request path on a chat body and returns the rewrite, failing the test on other outcomes.
    static func rewrite(_ pipeline: ClassifierPipeline, _ body: [UInt8], path: String = "/v1/chat/completions") -> RequestRewrite? {
        if case .rewrite(let r) = pipeline.processRequest(path: path, contentType: "application/json", body: body) { return r }
        return nil
    }

    static func json(_ bytes: [UInt8]) throws -> ChatJSON { try ChatJSON.parse(bytes) }
}
