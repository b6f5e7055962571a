/// How long each pipeline stage took for one request, in microseconds. Stages that did not run are nil.
public struct StageTimings: Sendable, Hashable, Codable {
    /// Parsing the JSON body and extracting the text.
    public var parseMicros: Double?
    /// PII and jailbreak detection.
    public var safetyMicros: Double?
    /// The sentence encoder (only when an embedding-based signal or the cache needed it).
    public var encoderMicros: Double?
    /// Signals and decision evaluation (keywords, domain head, example similarity), excluding the encoder.
    public var decisionMicros: Double?
    /// Semantic-cache lookup.
    public var cacheMicros: Double?
    /// Writing the new body.
    public var rewriteMicros: Double?
    /// The whole pipeline.
    public var totalMicros: Double

    public init(totalMicros: Double = 0) {
        self.totalMicros = totalMicros
    }

    /// The stages that ran, in the order the pipeline runs them (the encoder, which runs lazily inside safety or
    /// decision evaluation, between them), with their microseconds; `total` not included.
    public var stages: [(name: String, micros: Double)] {
        let all: [(String, Double?)] = [
            ("parse", parseMicros), ("safety", safetyMicros), ("encoder", encoderMicros),
            ("decision", decisionMicros), ("cache", cacheMicros), ("rewrite", rewriteMicros),
        ]
        return all.compactMap { name, micros in micros.map { (name, $0) } }
    }
}
