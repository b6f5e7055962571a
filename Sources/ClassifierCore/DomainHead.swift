import Foundation

/// A trained text head: two linear heads, one over the sentence embedding and one over hashed word
/// n-grams (TF-IDF), mixed in logit space and softmaxed. The domain signal's (`domain.*`, trained by
/// `hack/train-domain-head.py`, which documents the data, the label mapping and the feature definition this
/// type mirrors) and the jailbreak head's (`jailbreak.*`, `hack/train-jailbreak-head.py`, same features).
struct DomainHead: Sendable {
    let labels: [String]
    let dimension: Int
    let buckets: Int
    /// Logits = embeddingWeight · embedding logits + (1 − embeddingWeight) · n-gram logits.
    let embeddingWeight: Float
    /// [labels × dimension], row-major.
    let embeddingWeights: [Float]
    let embeddingBias: [Float]
    /// [labels × buckets], row-major.
    let ngramWeights: [Float]
    let ngramBias: [Float]
    let idf: [Float]
    let heldOutAccuracy: Double?
    /// The probability a `domains` condition needs by default (chosen on held-out data by the training script,
    /// `minProbability` in the JSON; 0 when absent): below it the argmax is too weak to count as a domain.
    let minProbability: Double
    /// The n-gram features read at most this many UTF-8 bytes of the text (`ngramMaxBytes`; the scripts cut the
    /// same prefix), so their cost is bounded whatever the prompt's size.
    let ngramMaxBytes: Int

    /// `ngramMaxBytes` when the JSON has none (heads trained before the bound; their prompts were shorter).
    static let defaultNgramMaxBytes = 65_536
    /// The encoder window the head was trained at (`maxTokens` in the JSON; nil for heads that do not say).
    let maxTokens: Int?

    struct Metadata: Decodable {
        var format: String
        var labels: [String]
        var embeddingDimension: Int
        var ngramBuckets: Int
        var ngramHash: String
        var ngramOrders: [Int]
        var embeddingWeight: Double
        var minProbability: Double?
        var ngramMaxBytes: Int?
        var maxTokens: Int?
        var training: Training?
        struct Training: Decodable {
            var heldOutAccuracy: Double?
        }
    }

    /// The formats this loader reads (the same layout; the first name predates the jailbreak head).
    static let formats = ["semroute.domain-head/v1", "semroute.linear-head/v1"]

    /// Loads `<name>.json` and `<name>.bin` from `directory`.
    init(directory: String, name: String = "domain") throws(HeadsError) {
        let metaPath = URL(fileURLWithPath: directory).appendingPathComponent("\(name).json").path
        let binPath = URL(fileURLWithPath: directory).appendingPathComponent("\(name).bin").path
        guard let metaData = FileManager.default.contents(atPath: metaPath) else {
            throw HeadsError(file: metaPath, reason: "not found (the heads are committed under heads/; set --heads-dir or SEMROUTE_HEADS_DIR)")
        }
        let meta: Metadata
        do {
            meta = try JSONDecoder().decode(Metadata.self, from: metaData)
        } catch {
            throw HeadsError(file: metaPath, reason: "not a head description: \(error)")
        }
        guard Self.formats.contains(meta.format) else {
            throw HeadsError(file: metaPath, reason: "format is \(meta.format), expected one of \(Self.formats.joined(separator: ", "))")
        }
        guard meta.ngramHash == "fnv1a32", meta.ngramOrders == [1, 2] else {
            throw HeadsError(file: metaPath, reason: "unsupported n-gram features \(meta.ngramHash) \(meta.ngramOrders)")
        }
        guard !meta.labels.isEmpty, meta.embeddingDimension > 0, meta.ngramBuckets > 0 else {
            throw HeadsError(file: metaPath, reason: "labels, embeddingDimension and ngramBuckets must be positive")
        }
        if let bound = meta.ngramMaxBytes, bound <= 0 {
            throw HeadsError(file: metaPath, reason: "ngramMaxBytes is \(bound), expected a positive number")
        }
        if let floor = meta.minProbability, !(0...1).contains(floor) {
            throw HeadsError(file: metaPath, reason: "minProbability is \(floor), expected 0 to 1")
        }
        guard let blob = FileManager.default.contents(atPath: binPath) else {
            throw HeadsError(file: binPath, reason: "not found")
        }
        let l = meta.labels.count, d = meta.embeddingDimension, b = meta.ngramBuckets
        let sizes = [l * d, l, l * b, l, b]
        let expected = sizes.reduce(0, +) * 4
        guard blob.count == expected else {
            throw HeadsError(file: binPath, reason: "\(blob.count) bytes, expected \(expected) for \(l) labels, \(d) dimensions, \(b) buckets")
        }
        var floats = [Float](repeating: 0, count: expected / 4)
        _ = floats.withUnsafeMutableBytes { dst in blob.copyBytes(to: dst) }
        for i in floats.indices { floats[i] = Float(bitPattern: UInt32(littleEndian: floats[i].bitPattern)) }
        var offset = 0
        func take(_ n: Int) -> [Float] {
            defer { offset += n }
            return Array(floats[offset..<offset + n])
        }
        self.init(labels: meta.labels, dimension: d, buckets: b, embeddingWeight: Float(meta.embeddingWeight),
                  embeddingWeights: take(sizes[0]), embeddingBias: take(sizes[1]), ngramWeights: take(sizes[2]),
                  ngramBias: take(sizes[3]), idf: take(sizes[4]), heldOutAccuracy: meta.training?.heldOutAccuracy,
                  minProbability: meta.minProbability ?? 0, ngramMaxBytes: meta.ngramMaxBytes ?? Self.defaultNgramMaxBytes,
                  maxTokens: meta.maxTokens)
    }

    init(labels: [String], dimension: Int, buckets: Int, embeddingWeight: Float, embeddingWeights: [Float],
         embeddingBias: [Float], ngramWeights: [Float], ngramBias: [Float], idf: [Float], heldOutAccuracy: Double? = nil,
         minProbability: Double = 0, ngramMaxBytes: Int = DomainHead.defaultNgramMaxBytes, maxTokens: Int? = nil) {
        self.labels = labels
        self.dimension = dimension
        self.buckets = buckets
        self.embeddingWeight = embeddingWeight
        self.embeddingWeights = embeddingWeights
        self.embeddingBias = embeddingBias
        self.ngramWeights = ngramWeights
        self.ngramBias = ngramBias
        self.idf = idf
        self.heldOutAccuracy = heldOutAccuracy
        self.minProbability = minProbability
        self.ngramMaxBytes = ngramMaxBytes
        self.maxTokens = maxTokens
    }

    /// Probabilities per label (same order as ``labels``) for a text and its embedding.
    func probabilities(embedding: [Float], text: String) -> [Float] {
        precondition(embedding.count == dimension, "embedding of dimension \(embedding.count), head expects \(dimension)")
        let l = labels.count
        var logits = [Float](repeating: 0, count: l)
        let features = ngramFeatures(text)
        for c in 0..<l {
            var e = embeddingBias[c]
            let row = c * dimension
            for i in 0..<dimension { e += embeddingWeights[row + i] * embedding[i] }
            var n = ngramBias[c]
            let nrow = c * buckets
            for (k, v) in features { n += ngramWeights[nrow + k] * v }
            logits[c] = embeddingWeight * e + (1 - embeddingWeight) * n
        }
        let top = logits.max() ?? 0
        var sum: Float = 0
        for c in 0..<l {
            logits[c] = expf(logits[c] - top)
            sum += logits[c]
        }
        return logits.map { $0 / sum }
    }

    /// Sparse TF-IDF features: (bucket, value), L2-normalised. Mirrors `ngram_matrix` in the script.
    func ngramFeatures(_ text: String) -> [(Int, Float)] {
        var counts: [Int: Int] = [:]
        let words = Self.words(Self.prefix(text, maxBytes: ngramMaxBytes))
        for w in words { counts[Int(Self.fnv1a32(w.utf8) % UInt32(buckets)), default: 0] += 1 }
        if words.count > 1 {
            for i in 1..<words.count {
                let gram = words[i - 1] + " " + words[i]
                counts[Int(Self.fnv1a32(gram.utf8) % UInt32(buckets)), default: 0] += 1
            }
        }
        var features = counts.map { (k, c) in (k, (1 + logf(Float(c))) * idf[k]) }
        let norm = sqrtf(features.reduce(0) { $0 + $1.1 * $1.1 })
        if norm > 0 { for i in features.indices { features[i].1 /= norm } }
        return features
    }

    /// At most `maxBytes` UTF-8 bytes of `text`, ending on a whole Unicode scalar (a scalar the cut would split is
    /// left out, as Python's `decode("utf-8", "ignore")` does in the scripts).
    static func prefix(_ text: String, maxBytes: Int) -> String {
        let utf8 = text.utf8
        guard utf8.count > maxBytes else { return text }
        var end = utf8.index(utf8.startIndex, offsetBy: maxBytes)
        while end > utf8.startIndex, UTF8.isContinuation(utf8[end]) { end = utf8.index(before: end) }
        return String(String.UnicodeScalarView(text.unicodeScalars[..<end]))
    }

    /// Lower-cased runs of letters and digits (Python's `str.isalnum` per code point).
    static func words(_ text: String) -> [String] {
        var out: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            if isAlphanumeric(scalar) {
                current.append(scalar)
            } else if !current.isEmpty {
                out.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { out.append(String(current)) }
        return out
    }

    static func isAlphanumeric(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII {
            let v = s.value
            return (0x30...0x39).contains(v) || (0x61...0x7A).contains(v) || (0x41...0x5A).contains(v)
        }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return s.properties.numericType != nil
        }
    }

    static func fnv1a32(_ bytes: String.UTF8View) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for b in bytes {
            h ^= UInt32(b)
            h = h &* 0x0100_0193
        }
        return h
    }
}
