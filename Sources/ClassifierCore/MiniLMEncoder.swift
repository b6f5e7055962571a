import CEncoderKernels
import COpenBLAS
import Foundation
import Synchronization

/// all-MiniLM-L6-v2 (a 6-layer BERT sentence encoder) run in-process on CBLAS: WordPiece tokens in,
/// mean-pooled, L2-normalised 384-float embeddings out, matching sentence-transformers to about 1e-6.
///
/// Thread-safe: concurrent calls each take a scratch workspace from a small pool, so the hot path does not
/// allocate. Matrix products run on OpenBLAS with its process-wide thread count (see `setBLASThreads`).
public final class MiniLMEncoder: TextEncoder {
    /// Sequences longer than this (in tokens, `[CLS]` and `[SEP]` included) are truncated.
    public let maxTokens: Int
    public let tokenizer: WordPieceTokenizer
    /// How the dense layers multiply (`float32` unless asked otherwise).
    public let precision: EncoderPrecision
    let weights: BertWeights
    /// The dense weights quantised for `EncoderPrecision.int8` (nil for float32).
    let int8Layers: [Int8Layer]?
    /// Whether attention and GELU run in the C kernels built for AVX2 + FMA (`sr_attention`, `sr_bias_gelu`)
    /// rather than OpenBLAS per head and the portable `TensorKernels`; both compute the same functions in float32.
    let fmaKernels: Bool

    /// One layer's four dense matrices, quantised.
    struct Int8Layer: Sendable {
        var qkv: QuantizedMatrix
        var output: QuantizedMatrix
        var intermediate: QuantizedMatrix
        var ffnOutput: QuantizedMatrix
    }
    private let pool = Mutex<[EncoderWorkspace]>([])
    /// Idle workspaces kept for reuse; more concurrent callers get temporary ones.
    private static let pooledWorkspaces = 4
    /// Workspaces grown beyond this many tokens (by batches) are freed after use instead of pooled, so a
    /// one-off batch does not pin tens of MiB.
    private static let pooledTokenCapacity = 512
    /// A batch is run in chunks of at most this many tokens (bounds the workspace to about 30 MiB; products
    /// of this height already run at full speed).
    static let batchTokenBudget = 2048

    public var dimension: Int { weights.hidden }

    /// Loads `model.safetensors` and `vocab.txt` from `modelDirectory` (see `ModelLocation`).
    /// Throws `EncoderError` naming the missing or invalid file, or a precision this CPU or model cannot run.
    public convenience init(modelDirectory: String, maxTokens: Int = 128, precision: EncoderPrecision = .float32) throws {
        try self.init(modelDirectory: modelDirectory, maxTokens: maxTokens, precision: precision, portableKernels: false)
    }

    /// `portableKernels` forces the portable attention and GELU even where the C kernels run (tests compare both).
    init(modelDirectory: String, maxTokens: Int, precision: EncoderPrecision, portableKernels: Bool) throws {
        let directory = URL(fileURLWithPath: modelDirectory, isDirectory: true)
        let vocabularyPath = directory.appendingPathComponent("vocab.txt").path
        let weightsPath = directory.appendingPathComponent("model.safetensors").path
        tokenizer = try WordPieceTokenizer(vocabularyPath: vocabularyPath)
        weights = try BertWeights(SafeTensors(path: weightsPath))
        guard tokenizer.vocabularySize == weights.vocabularySize else {
            throw EncoderError.invalidFile(path: vocabularyPath, reason: "has \(tokenizer.vocabularySize) entries but \(weightsPath) embeds \(weights.vocabularySize) tokens")
        }
        guard maxTokens >= 2, maxTokens <= weights.maxPositions else {
            throw EncoderError.invalidFile(path: weightsPath, reason: "maxTokens \(maxTokens) must be between 2 and the model's \(weights.maxPositions) positions")
        }
        self.maxTokens = maxTokens
        self.precision = precision
        fmaKernels = !portableKernels && sr_fma_kernels_supported() != 0 && weights.headSize % 8 == 0
        switch precision {
        case .float32:
            int8Layers = nil
        case .int8:
            guard precision.isSupported else { throw EncoderError.unsupportedPrecision(precision, reason: "this CPU has no AVX2") }
            let (h, i) = (weights.hidden, weights.intermediate)
            guard QuantizedMatrix.fits(rows: h, columns: 3 * h), QuantizedMatrix.fits(rows: i, columns: h),
                  QuantizedMatrix.fits(rows: h, columns: i) else {
                throw EncoderError.unsupportedPrecision(precision, reason: "hidden size \(h) and intermediate size \(i) must be even multiples of \(SR_INT8_PANEL)")
            }
            int8Layers = weights.layers.map { layer in
                Int8Layer(qkv: QuantizedMatrix(layer.qkvWeight, rows: h, columns: 3 * h),
                          output: QuantizedMatrix(layer.outputWeight, rows: h, columns: h),
                          intermediate: QuantizedMatrix(layer.intermediateWeight, rows: h, columns: i),
                          ffnOutput: QuantizedMatrix(layer.ffnOutputWeight, rows: i, columns: h))
            }
        }
    }

    public func embed(_ text: String) -> [Float] {
        let ids = tokenizer.encode(text, maxTokens: maxTokens)
        return withWorkspace { forward([ids], workspace: $0)[0] }
    }

    public func embed(batch texts: [String]) -> [[Float]] {
        let sequences = texts.map { tokenizer.encode($0, maxTokens: maxTokens) }
        return withWorkspace { workspace in
            var embeddings: [[Float]] = []
            embeddings.reserveCapacity(texts.count)
            var start = 0
            while start < sequences.count {
                var end = start, tokens = 0
                while end < sequences.count, end == start || tokens + sequences[end].count <= Self.batchTokenBudget {
                    tokens += sequences[end].count
                    end += 1
                }
                embeddings += forward(Array(sequences[start..<end]), workspace: workspace)
                start = end
            }
            return embeddings
        }
    }

    /// Embeds already tokenized sequences (each with `[CLS]`/`[SEP]`, at most the model's positions long).
    func embed(tokenized sequences: [[Int32]]) -> [[Float]] {
        withWorkspace { forward(sequences, workspace: $0) }
    }

    private func withWorkspace<R>(_ body: (EncoderWorkspace) -> R) -> R {
        let workspace = pool.withLock { $0.popLast() }
            ?? EncoderWorkspace(hidden: weights.hidden, intermediate: weights.intermediate, heads: weights.heads)
        defer {
            if workspace.tokenCapacity <= Self.pooledTokenCapacity {
                pool.withLock { idle in
                    if idle.count < Self.pooledWorkspaces { idle.append(workspace) }
                }
            }
        }
        return body(workspace)
    }

    // MARK: OpenBLAS threads

    /// Sets how many threads OpenBLAS uses for one matrix product (process-wide).
    public static func setBLASThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// How many threads OpenBLAS uses for one matrix product.
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }

    /// The CPU kernel family OpenBLAS picked (e.g. `Haswell`, or `SkylakeX` with `OPENBLAS_CORETYPE=SkylakeX`).
    public static var blasCoreName: String { String(cString: openblas_get_corename()) }
}
