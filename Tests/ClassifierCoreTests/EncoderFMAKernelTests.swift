import CEncoderKernels
import Foundation
import Testing
@testable import ClassifierCore
import SemrouteTestSupport

/// The float32 C kernels (attention and GELU, AVX2 + FMA) against plain double-precision references, and the
/// encoder with them against the portable path (OpenBLAS attention, Swift GELU).
@Suite("Encoder FMA kernels", .timeLimit(.minutes(10)), .uses(.cpu))
struct EncoderFMAKernelTests {
    static let supported = sr_fma_kernels_supported() != 0

    /// softmax(scale · q kᵀ) v per head in Double, from the fused projection rows.
    static func referenceAttention(_ qkv: [Float], n: Int, hidden: Int, heads: Int, scale: Double) -> [Double] {
        let d = hidden / heads, stride = 3 * hidden
        var context = [Double](repeating: 0, count: n * hidden)
        for h in 0..<heads {
            for i in 0..<n {
                let scores = (0..<n).map { j in
                    (0..<d).reduce(0.0) { $0 + Double(qkv[i * stride + h * d + $1]) * Double(qkv[j * stride + hidden + h * d + $1]) } * scale
                }
                let top = scores.max()!
                let weights = scores.map { Foundation.exp($0 - top) }
                let total = weights.reduce(0, +)
                for e in 0..<d {
                    let sum = (0..<n).reduce(0.0) { $0 + weights[$1] * Double(qkv[$1 * stride + 2 * hidden + h * d + e]) }
                    context[i * hidden + h * d + e] = sum / total
                }
            }
        }
        return context
    }

    @Test("attention matches softmax(QKᵀ/√d)V for any length and head size (multiples of 8)",
          arguments: [(384, 12), (80, 2), (24, 3)], [1, 2, 3, 5, 16, 17, 33, 128])
    func attention(shape: (hidden: Int, heads: Int), n: Int) throws {
        try #require(Self.supported, "this CPU has no AVX2 + FMA")
        let (hidden, heads) = shape
        var generator = SplitMix(seed: UInt64(n * 1000 + hidden))
        // Scores spread over ±10 or so, as in the real model, so the softmax is neither flat nor one-hot.
        let qkv = (0..<(n * 3 * hidden)).map { _ in generator.float() * 8 - 4 }
        let scale = 1 / Float(hidden / heads).squareRoot()
        // Rows 8 floats wider than the context: the kernel must leave other columns alone.
        let ldc = hidden + 8
        var context = [Float](repeating: 7, count: n * ldc)
        var scratch = [Float](repeating: .nan, count: sr_attention_scratch_count(Int32(n), Int32(hidden / heads)))
        qkv.withUnsafeBufferPointer { qkv in
            scratch.withUnsafeMutableBufferPointer { scratch in
                context.withUnsafeMutableBufferPointer {
                    sr_attention(qkv.baseAddress!, Int32(n), Int32(hidden), Int32(heads), scale, scratch.baseAddress!, $0.baseAddress!, Int32(ldc))
                }
            }
        }
        let expected = Self.referenceAttention(qkv, n: n, hidden: hidden, heads: heads, scale: Double(scale))
        var worst = 0.0
        for i in 0..<n {
            for c in 0..<hidden { worst = max(worst, abs(Double(context[i * ldc + c]) - expected[i * hidden + c])) }
            #expect(context[(i * ldc + hidden)..<((i + 1) * ldc)].allSatisfy { $0 == 7 }, "row \(i) beyond the context was written")
        }
        #expect(worst <= 2e-5, "worst absolute error \(worst)")
    }

    @Test("the vectorised GELU matches the exact erf GELU within 1e-6, tails included", arguments: [1, 7, 8, 9, 1536])
    func gelu(columns: Int) throws {
        try #require(Self.supported, "this CPU has no AVX2 + FMA")
        var values = stride(from: Float(-12), through: 12, by: 0.0007).map { $0 } + [0, -0, 1e-8, -1e-8, 50, -50, 1e30, -1e30]
        values += [Float](repeating: 0.5, count: (columns - values.count % columns) % columns)
        let rows = values.count / columns
        let bias = (0..<columns).map { Float($0 % 5) * 0.25 - 0.5 }
        var computed = values
        computed.withUnsafeMutableBufferPointer { x in
            bias.withUnsafeBufferPointer { sr_bias_gelu(x.baseAddress!, Int32(rows), Int32(columns), $0.baseAddress!) }
        }
        var worst = 0.0
        for (index, y) in computed.enumerated() {
            let x = Double(values[index] + bias[index % columns])
            let exact = 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
            worst = max(worst, abs(Double(y) - exact) / max(1, abs(exact)))
        }
        #expect(worst <= 1e-6, "worst GELU error \(worst)")
    }

    @Test("the encoder gives the same embeddings with the C kernels as with the portable path", arguments: EncoderPrecision.allCases)
    func kernelsAgree(precision: EncoderPrecision) throws {
        try #require(Self.supported && precision.isSupported, "this CPU has no AVX2 + FMA")
        // The shared fixtures run the C kernels; only the portable encoder is loaded here.
        let fast = try precision == .float32 ? EncoderModelFixture.encoder() : EncoderInt8Tests.int8.get()
        let portable = try MiniLMEncoder(modelDirectory: EncoderModelFixture.directory, maxTokens: fast.maxTokens,
                                         precision: precision, portableKernels: true)
        #expect(fast.fmaKernels && !portable.fmaKernels)
        // In int8 a last-bit difference can move an activation across a rounding boundary of its row's int16
        // quantisation, so the paths differ a little more there (measured ≤ 2.1e-4), still far below int8's
        // own distance to float32 (cosine 0.995).
        let tolerance: Float = precision == .float32 ? 1e-4 : 5e-4
        let texts = EncoderInt8Tests.sentences
        let expected = fast.embed(batch: texts), actual = portable.embed(batch: texts)
        for (index, text) in texts.enumerated() {
            #expect(MiniLMEncoder.cosine(expected[index], actual[index]) > 0.99999, "\(text.prefix(30))")
            #expect(zip(expected[index], actual[index]).map { abs($0 - $1) }.max()! < tolerance, "\(text.prefix(30))")
        }
    }
}
