/// The weights of a BERT encoder (all-MiniLM-L6-v2 shape by default), laid out for the forward pass:
/// linear weights stay `[out, in]` row-major as stored; Q, K and V are fused into one `[3·hidden, hidden]` matrix.
struct BertWeights: Sendable {
    struct Layer: Sendable {
        var qkvWeight: [Float]      // [3H, H]
        var qkvBias: [Float]        // [3H]
        var outputWeight: [Float]   // [H, H]
        var outputBias: [Float]     // [H]
        var attentionNormWeight: [Float], attentionNormBias: [Float]
        var intermediateWeight: [Float]  // [I, H]
        var intermediateBias: [Float]    // [I]
        var ffnOutputWeight: [Float]     // [H, I]
        var ffnOutputBias: [Float]       // [H]
        var outputNormWeight: [Float], outputNormBias: [Float]
    }

    let hidden: Int
    let heads: Int
    let intermediate: Int
    let vocabularySize: Int
    let maxPositions: Int
    let layerNormEpsilon: Float
    let wordEmbeddings: [Float]      // [V, H]
    let positionEmbeddings: [Float]  // [P, H]
    let tokenTypeEmbedding: [Float]  // [H] (token type 0)
    let embeddingNormWeight: [Float], embeddingNormBias: [Float]
    let layers: [Layer]

    var headSize: Int { hidden / heads }

    /// Loads the tensors by their Hugging Face `BertModel` names (optionally prefixed `bert.`), inferring the
    /// sizes from the shapes; `heads` is not recorded in the tensors, so it is passed in.
    init(_ file: SafeTensors, heads: Int = 12, layerNormEpsilon: Float = 1e-12) throws {
        let prefix = file.entries["embeddings.word_embeddings.weight"] == nil && file.entries["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func shape(_ name: String) throws -> [Int] {
            guard let entry = file.entries[prefix + name] else {
                throw EncoderError.invalidFile(path: file.path, reason: "has no tensor \(prefix + name)")
            }
            return entry.shape
        }
        func load(_ name: String, _ shape: [Int]) throws -> [Float] { try file.floats(prefix + name, shape: shape) }

        let wordShape = try shape("embeddings.word_embeddings.weight")
        guard wordShape.count == 2, wordShape[1] > 0, wordShape[1] % heads == 0 else {
            throw EncoderError.invalidFile(path: file.path, reason: "word embeddings have shape \(wordShape), expected [vocabulary, hidden] with hidden divisible by \(heads)")
        }
        let (vocabularySize, hidden) = (wordShape[0], wordShape[1])
        let positions = try shape("embeddings.position_embeddings.weight")
        guard positions.count == 2, positions[1] == hidden else {
            throw EncoderError.invalidFile(path: file.path, reason: "position embeddings have shape \(positions), expected [positions, \(hidden)]")
        }
        let intermediateShape = try shape("encoder.layer.0.intermediate.dense.weight")
        guard intermediateShape.count == 2, intermediateShape[1] == hidden else {
            throw EncoderError.invalidFile(path: file.path, reason: "layer 0 intermediate weight has shape \(intermediateShape), expected [intermediate, \(hidden)]")
        }
        let intermediate = intermediateShape[0]
        var layerCount = 0
        while file.entries["\(prefix)encoder.layer.\(layerCount).attention.self.query.weight"] != nil { layerCount += 1 }
        guard layerCount > 0 else { throw EncoderError.invalidFile(path: file.path, reason: "has no encoder layers") }

        self.hidden = hidden
        self.heads = heads
        self.intermediate = intermediate
        self.vocabularySize = vocabularySize
        self.maxPositions = positions[0]
        self.layerNormEpsilon = layerNormEpsilon
        wordEmbeddings = try load("embeddings.word_embeddings.weight", [vocabularySize, hidden])
        positionEmbeddings = try load("embeddings.position_embeddings.weight", [positions[0], hidden])
        let types = try shape("embeddings.token_type_embeddings.weight")
        tokenTypeEmbedding = Array(try load("embeddings.token_type_embeddings.weight", [max(types.first ?? 1, 1), hidden]).prefix(hidden))
        embeddingNormWeight = try load("embeddings.LayerNorm.weight", [hidden])
        embeddingNormBias = try load("embeddings.LayerNorm.bias", [hidden])
        layers = try (0..<layerCount).map { index in
            let p = "encoder.layer.\(index)."
            let square = [hidden, hidden]
            return Layer(
                qkvWeight: try load(p + "attention.self.query.weight", square) + load(p + "attention.self.key.weight", square)
                    + load(p + "attention.self.value.weight", square),
                qkvBias: try load(p + "attention.self.query.bias", [hidden]) + load(p + "attention.self.key.bias", [hidden])
                    + load(p + "attention.self.value.bias", [hidden]),
                outputWeight: try load(p + "attention.output.dense.weight", square),
                outputBias: try load(p + "attention.output.dense.bias", [hidden]),
                attentionNormWeight: try load(p + "attention.output.LayerNorm.weight", [hidden]),
                attentionNormBias: try load(p + "attention.output.LayerNorm.bias", [hidden]),
                intermediateWeight: try load(p + "intermediate.dense.weight", [intermediate, hidden]),
                intermediateBias: try load(p + "intermediate.dense.bias", [intermediate]),
                ffnOutputWeight: try load(p + "output.dense.weight", [hidden, intermediate]),
                ffnOutputBias: try load(p + "output.dense.bias", [hidden]),
                outputNormWeight: try load(p + "output.LayerNorm.weight", [hidden]),
                outputNormBias: try load(p + "output.LayerNorm.bias", [hidden]))
        }
    }
}
