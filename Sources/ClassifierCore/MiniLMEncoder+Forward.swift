import CEncoderKernels
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
        if int8Layers != nil { workspace.reserveQuantized(tokens: tokens) }
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
        // The int8 products split their columns over as many threads as OpenBLAS would use.
        let threads = int8Layers == nil ? 1 : Self.blasThreads
        /// output[tokens, n] = input[tokens, k] · weight (+ output when `accumulate`), in the encoder's precision.
        func dense(_ input: UnsafePointer<Float>, _ weight: Tensor, _ quantized: QuantizedMatrix?, k: Int32, n: Int32,
                   into output: UnsafeMutablePointer<Float>, accumulate: Bool) {
            if let quantized {
                quantized.multiply(input, rows: tokens, into: output, accumulate: accumulate, workspace: workspace, threads: threads)
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, n, k, 1, input, k, weight.pointer, n, accumulate ? 1 : 0, output, n)
            }
        }

        for (index, layer) in w.layers.enumerated() {
            let int8 = int8Layers?[index]
            // Q, K, V in one product: qkv = states · Wqkv + b (weights stored [in, out]).
            for row in 0..<tokens { (qkv + row * 3 * hidden).update(from: layer.qkvBias.pointer, count: 3 * hidden) }
            dense(states, layer.qkvWeight, int8?.qkv, k: h, n: h3, into: qkv, accumulate: true)
            // Scaled dot-product attention per sequence and head: softmax(Q Kᵀ / √d) V (all heads in one C
            // kernel call, else two OpenBLAS products per head).
            var offset = 0
            for n in lengths {
                let sequence = qkv + offset * 3 * hidden, output = context + offset * hidden
                offset += n
                if fmaKernels {
                    sr_attention(sequence, Int32(n), h, Int32(heads), scale, scores, output, h)
                    continue
                }
                let n32 = Int32(n)
                for head in 0..<heads {
                    let q = sequence + head * headSize
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n32, n32, Int32(headSize), scale,
                                q, h3, q + hidden, h3, 0, scores + head * n * n, n32)
                }
                TensorKernels.softmaxRows(scores, rows: heads * n, columns: n)
                for head in 0..<heads {
                    let v = sequence + 2 * hidden + head * headSize
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n32, Int32(headSize), n32, 1,
                                scores + head * n * n, n32, v, h3, 0, output + head * headSize, h)
                }
            }
            // Attention output: residual = LayerNorm(states + context · Wo + bo).
            residual.update(from: states, count: tokens * hidden)
            dense(context, layer.outputWeight, int8?.output, k: h, n: h, into: residual, accumulate: true)
            TensorKernels.addBiasLayerNorm(residual, rows: tokens, columns: hidden, bias: layer.outputBias.pointer,
                                           gamma: layer.attentionNormWeight.pointer, beta: layer.attentionNormBias.pointer,
                                           epsilon: w.layerNormEpsilon)
            // Feed-forward: states = LayerNorm(residual + GELU(residual · W1 + b1) · W2 + b2).
            dense(residual, layer.intermediateWeight, int8?.intermediate, k: h, n: inter, into: activations, accumulate: false)
            if fmaKernels {
                sr_bias_gelu(activations, t, inter, layer.intermediateBias.pointer)
            } else {
                TensorKernels.addBiasGELU(activations, rows: tokens, bias: layer.intermediateBias.pointer, columns: intermediate)
            }
            states.update(from: residual, count: tokens * hidden)
            dense(activations, layer.ffnOutputWeight, int8?.ffnOutput, k: inter, n: h, into: states, accumulate: true)
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
