import COpenBLAS

extension MiniLMEncoder {
    /// The BERT forward pass over `sequences` packed back to back (no padding: every dense layer runs on all
    /// tokens at once, attention runs per sequence), then mean pooling and L2 normalisation per sequence.
    func forward(_ sequences: [[Int32]], workspace: EncoderWorkspace) -> [[Float]] {
        let w = weights
        let hidden = w.hidden, intermediate = w.intermediate, heads = w.heads, headSize = w.headSize
        let lengths = sequences.map(\.count)
        let tokens = lengths.reduce(0, +)
        guard tokens > 0 else { return sequences.map { _ in [Float](repeating: 0, count: hidden) } }
        workspace.reserve(tokens: tokens, longest: lengths.max() ?? 0)
        let states = workspace.states, qkv = workspace.qkv, context = workspace.context
        let residual = workspace.residual, activations = workspace.activations, scores = workspace.scores
        let t = Int32(tokens), h = Int32(hidden), h3 = Int32(3 * hidden), inter = Int32(intermediate)

        // Embeddings: word + position (+ token type 0, added as the LayerNorm's bias).
        var row = 0
        for sequence in sequences {
            for (index, id) in sequence.enumerated() {
                let out = states + row * hidden
                let word = w.wordEmbeddings.pointer + Int(id) * hidden
                let position = w.positionEmbeddings.pointer + index * hidden
                for j in 0..<hidden { out[j] = word[j] + position[j] }
                row += 1
            }
        }
        TensorKernels.addBiasLayerNorm(states, rows: tokens, columns: hidden, bias: w.tokenTypeEmbedding.pointer,
                                       gamma: w.embeddingNormWeight.pointer, beta: w.embeddingNormBias.pointer,
                                       epsilon: w.layerNormEpsilon)

        let scale = 1 / Float(headSize).squareRoot()
        for layer in w.layers {
            // Q, K, V in one product: qkv = states · Wqkv + b (weights stored [in, out]).
            for row in 0..<tokens { (qkv + row * 3 * hidden).update(from: layer.qkvBias.pointer, count: 3 * hidden) }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, h3, h, 1, states, h, layer.qkvWeight.pointer, h3, 1, qkv, h3)
            // Scaled dot-product attention per sequence and head: softmax(Q Kᵀ / √d) V.
            var offset = 0
            for n in lengths {
                let n32 = Int32(n)
                for head in 0..<heads {
                    let q = qkv + offset * 3 * hidden + head * headSize
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n32, n32, Int32(headSize), scale,
                                q, h3, q + hidden, h3, 0, scores + head * n * n, n32)
                }
                TensorKernels.softmaxRows(scores, rows: heads * n, columns: n)
                for head in 0..<heads {
                    let v = qkv + offset * 3 * hidden + 2 * hidden + head * headSize
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n32, Int32(headSize), n32, 1,
                                scores + head * n * n, n32, v, h3, 0, context + offset * hidden + head * headSize, h)
                }
                offset += n
            }
            // Attention output: residual = LayerNorm(states + context · Wo + bo).
            residual.update(from: states, count: tokens * hidden)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, h, h, 1, context, h, layer.outputWeight.pointer, h, 1, residual, h)
            TensorKernels.addBiasLayerNorm(residual, rows: tokens, columns: hidden, bias: layer.outputBias.pointer,
                                           gamma: layer.attentionNormWeight.pointer, beta: layer.attentionNormBias.pointer,
                                           epsilon: w.layerNormEpsilon)
            // Feed-forward: states = LayerNorm(residual + GELU(residual · W1 + b1) · W2 + b2).
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, inter, h, 1, residual, h, layer.intermediateWeight.pointer, inter, 0, activations, inter)
            TensorKernels.addBiasGELU(activations, rows: tokens, bias: layer.intermediateBias.pointer, columns: intermediate)
            states.update(from: residual, count: tokens * hidden)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, h, inter, 1, activations, inter, layer.ffnOutputWeight.pointer, h, 1, states, h)
            TensorKernels.addBiasLayerNorm(states, rows: tokens, columns: hidden, bias: layer.ffnOutputBias.pointer,
                                           gamma: layer.outputNormWeight.pointer, beta: layer.outputNormBias.pointer,
                                           epsilon: w.layerNormEpsilon)
        }

        // Mean pooling over each sequence's tokens, then L2 normalisation.
        var embeddings: [[Float]] = []
        embeddings.reserveCapacity(sequences.count)
        var offset = 0
        for n in lengths {
            var pooled = [Float](repeating: 0, count: hidden)
            for row in offset..<(offset + n) {
                let source = states + row * hidden
                for j in 0..<hidden { pooled[j] += source[j] }
            }
            var norm: Float = 0
            for j in 0..<hidden { norm += pooled[j] * pooled[j] }
            let inverse = norm > 0 ? 1 / norm.squareRoot() : 0
            for j in 0..<hidden { pooled[j] *= inverse }
            embeddings.append(pooled)
            offset += n
        }
        return embeddings
    }
}
