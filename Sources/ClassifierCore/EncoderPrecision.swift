import CEncoderKernels

/// How the encoder's dense layers multiply (`semroute classifier --encoder-precision`).
///
/// - `float32`: OpenBLAS sgemm on the float weights; matches sentence-transformers to about 1e-6.
/// - `int8`: weights quantised per output column to int8 once at load, activations per row to int16 on each
///   call, exact int32 accumulation (AVX2), about 1.6× faster products. Embeddings stay within cosine
///   0.999 of float32 (docs/benchmarks.md); needs an x86-64 CPU with AVX2.
public enum EncoderPrecision: String, Sendable, CaseIterable, Codable {
    case float32
    case int8

    /// Whether this CPU can run `self`.
    public var isSupported: Bool {
        switch self {
        case .float32: true
        case .int8: sr_int8_supported() != 0
        }
    }
}
