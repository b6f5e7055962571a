/// The weights of a BERT encoder (all-MiniLM-L6-v2 shape by default), laid out for the forward pass in one
/// `TensorArena`: linear weights are transposed from the stored `[out, in]` to `[in, out]` row-major (OpenBLAS
/// packs a non-transposed right-hand matrix 8–15% faster here), and Q, K and V are fused into one
/// `[hidden, 3·hidden]` matrix (and their biases into one vector).
struct BertWeights: Sendable {
    struct Layer: Sendable {
        var qkvWeight: Tensor       // [H, 3H]
        var qkvBias: Tensor         // [3H]
        var outputWeight: Tensor    // [H, H]
        var outputBias: Tensor      // [H]
        var attentionNormWeight: Tensor, attentionNormBias: Tensor
        var intermediateWeight: Tensor  // [H, I]
        var intermediateBias: Tensor    // [I]
        var ffnOutputWeight: Tensor     // [I, H]
        var ffnOutputBias: Tensor       // [H]
        var outputNormWeight: Tensor, outputNormBias: Tensor
    }

    let hidden: Int
    let heads: Int
    let intermediate: Int
    let vocabularySize: Int
    let maxPositions: Int
    let layerNormEpsilon: Float
    let wordEmbeddings: Tensor      // [V, H]
    let positionEmbeddings: Tensor  // [P, H]
    let tokenTypeEmbedding: Tensor  // [H] (token type 0)
    let embeddingNormWeight: Tensor, embeddingNormBias: Tensor
    let layers: [Layer]
    /// Owns the memory every tensor above points into.
    private let arena: TensorArena

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
        let wordShape = try shape("embeddings.word_embeddings.weight")
        guard wordShape.count == 2, wordShape[1] > 0, wordShape[1] % heads == 0 else {
            throw EncoderError.invalidFile(path: file.path, reason: "word embeddings have shape \(wordShape), expected [vocabulary, hidden] with hidden divisible by \(heads)")
        }
        let (vocabularySize, hidden) = (wordShape[0], wordShape[1])
        let positions = try shape("embeddings.position_embeddings.weight")
        guard positions.count == 2, positions[1] == hidden, positions[0] > 0 else {
            throw EncoderError.invalidFile(path: file.path, reason: "position embeddings have shape \(positions), expected [positions, \(hidden)]")
        }
        let types = try shape("embeddings.token_type_embeddings.weight")
        guard types.count == 2, types[0] >= 1, types[1] == hidden else {
            throw EncoderError.invalidFile(path: file.path, reason: "token type embeddings have shape \(types), expected [types, \(hidden)]")
        }
        let intermediateShape = try shape("encoder.layer.0.intermediate.dense.weight")
        guard intermediateShape.count == 2, intermediateShape[1] == hidden, intermediateShape[0] > 0 else {
            throw EncoderError.invalidFile(path: file.path, reason: "layer 0 intermediate weight has shape \(intermediateShape), expected [intermediate, \(hidden)]")
        }
        let intermediate = intermediateShape[0]
        var layerCount = 0
        while file.entries["\(prefix)encoder.layer.\(layerCount).attention.self.query.weight"] != nil { layerCount += 1 }
        guard layerCount > 0 else { throw EncoderError.invalidFile(path: file.path, reason: "has no encoder layers") }

        let perLayer = 4 * hidden * hidden + 2 * hidden * intermediate + 3 * hidden + 6 * hidden + intermediate
        let arena = TensorArena(floats: (vocabularySize + positions[0] + types[0] + 2) * hidden + layerCount * perLayer)
        /// Reads the named tensors (each of `shape`) back to back into one arena tensor.
        func load(_ names: [String], _ shape: [Int]) throws -> Tensor {
            let count = shape.reduce(1, *)
            return try arena.tensor(count: count * names.count) { destination in
                for (index, name) in names.enumerated() {
                    try file.read(prefix + name, shape: shape, into: destination + index * count)
                }
            }
        }
        func load(_ name: String, _ shape: [Int]) throws -> Tensor { try load([name], shape) }
        /// Reads the named `[out, in]` matrices and stores them side by side, transposed, as one `[in, Σout]`.
        var scratch = [Float](repeating: 0, count: max(hidden, intermediate) * max(hidden, intermediate))
        func loadTransposed(_ names: [String], out: Int, in inputs: Int) throws -> Tensor {
            let columns = out * names.count
            return try arena.tensor(count: inputs * columns) { destination in
                try scratch.withUnsafeMutableBufferPointer { source in
                    for (index, name) in names.enumerated() {
                        try file.read(prefix + name, shape: [out, inputs], into: source.baseAddress!)
                        for o in 0..<out {
                            for i in 0..<inputs { destination[i * columns + index * out + o] = source[o * inputs + i] }
                        }
                    }
                }
            }
        }

        self.hidden = hidden
        self.heads = heads
        self.intermediate = intermediate
        self.vocabularySize = vocabularySize
        self.maxPositions = positions[0]
        self.layerNormEpsilon = layerNormEpsilon
        wordEmbeddings = try load("embeddings.word_embeddings.weight", wordShape)
        positionEmbeddings = try load("embeddings.position_embeddings.weight", positions)
        let allTypes = try load("embeddings.token_type_embeddings.weight", types)
        tokenTypeEmbedding = Tensor(pointer: allTypes.pointer, count: hidden)
        embeddingNormWeight = try load("embeddings.LayerNorm.weight", [hidden])
        embeddingNormBias = try load("embeddings.LayerNorm.bias", [hidden])
        layers = try (0..<layerCount).map { index in
            let p = "encoder.layer.\(index)."
            let attention = ["query", "key", "value"].map { p + "attention.self.\($0)" }
            return Layer(
                qkvWeight: try loadTransposed(attention.map { $0 + ".weight" }, out: hidden, in: hidden),
                qkvBias: try load(attention.map { $0 + ".bias" }, [hidden]),
                outputWeight: try loadTransposed([p + "attention.output.dense.weight"], out: hidden, in: hidden),
                outputBias: try load(p + "attention.output.dense.bias", [hidden]),
                attentionNormWeight: try load(p + "attention.output.LayerNorm.weight", [hidden]),
                attentionNormBias: try load(p + "attention.output.LayerNorm.bias", [hidden]),
                intermediateWeight: try loadTransposed([p + "intermediate.dense.weight"], out: intermediate, in: hidden),
                intermediateBias: try load(p + "intermediate.dense.bias", [intermediate]),
                ffnOutputWeight: try loadTransposed([p + "output.dense.weight"], out: hidden, in: intermediate),
                ffnOutputBias: try load(p + "output.dense.bias", [hidden]),
                outputNormWeight: try load(p + "output.LayerNorm.weight", [hidden]),
                outputNormBias: try load(p + "output.LayerNorm.bias", [hidden]))
        }
        self.arena = arena
    }
}
