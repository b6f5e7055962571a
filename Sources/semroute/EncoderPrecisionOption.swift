import ArgumentParser
import ClassifierCore

/// `--encoder-precision` of `semroute classifier` and `semroute dev`. `auto` (the default) runs int8 where the
/// CPU has the kernels it needs (x86-64 with AVX2) and float32 elsewhere; an explicit `int8` on a CPU without
/// them is a usage error.
enum EncoderPrecisionOption: String, CaseIterable, ExpressibleByArgument {
    case auto, float32, int8

    static let help: ArgumentHelp = "Encoder dense-layer precision: auto (int8 where the CPU has AVX2, else float32), float32 (the reference model's embeddings) or int8 (about 2x faster at 32 tokens, 1.5x at 128; embeddings within cosine 0.995 of float32; x86-64 with AVX2)."

    var resolved: EncoderPrecision {
        switch self {
        case .auto: EncoderPrecision.int8.isSupported ? .int8 : .float32
        case .float32: .float32
        case .int8: .int8
        }
    }
}
