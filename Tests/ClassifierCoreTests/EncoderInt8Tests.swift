import CEncoderKernels
import Foundation
import Testing
@testable import ClassifierCore
import SemrouteTestSupport

/// `EncoderPrecision.int8` against float32 on the real weights, and the int8 kernel against a plain product.
@Suite("Encoder int8 precision", .timeLimit(.minutes(10)), .uses(.cpu))
struct EncoderInt8Tests {
    static let int8: Result<MiniLMEncoder, Error> = Result {
        try MiniLMEncoder(modelDirectory: EncoderModelFixture.directory, precision: .int8)
    }

    static let sentences = [
        "What is the derivative of x^2 * sin(x)?", "Write a Python function that reverses a linked list.",
        "A man is playing a guitar.", "A person plays an instrument.", "The stock market crashed today.",
        "Explain the difference between TCP and UDP in simple terms.", "What are the symptoms of type 2 diabetes?",
        "Draft a polite email asking my landlord to fix the heating.", "Who won the Battle of Hastings in 1066?",
        "Summarise the plot of Hamlet in three sentences.", "How do I configure a Kubernetes liveness probe?",
        "Is it legal to record a phone call without consent in California?", "x", "",
        "東京の天気はどうですか？", "Héllo, naïve café! I'm 100% sure: C++ isn't Rust.",
        String(repeating: "The quick brown fox jumps over the lazy dog while the committee debates the budget. ", count: 12),
    ]

    /// Measured worst here: 0.9965 (docs/benchmarks.md); the bound leaves room for other CPUs' rounding.
    @Test("int8 embeddings stay within cosine 0.995 of float32 on varied texts (up to 128 tokens)")
    func closeToFloat32() throws {
        try #require(EncoderPrecision.int8.isSupported, "this CPU has no AVX2")
        let exact = try EncoderModelFixture.encoder(), fast = try Self.int8.get()
        var worst: (cosine: Float, text: String) = (1, "")
        for text in Self.sentences {
            let a = exact.embed(text), b = fast.embed(text)
            let cosine = MiniLMEncoder.cosine(a, b)
            if cosine < worst.cosine { worst = (cosine, text) }
            #expect(abs(b.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4, "unit length")
        }
        #expect(worst.cosine >= 0.995, "worst cosine to float32: \(worst.cosine) for \"\(worst.text.prefix(40))\"")
    }

    @Test("the domain head picks the same domain from int8 embeddings as from float32 on the clear prompts")
    func sameDomains() throws {
        try #require(EncoderPrecision.int8.isSupported, "this CPU has no AVX2")
        let exact = try EncoderModelFixture.encoder(), fast = try Self.int8.get()
        let heads = try ClassifierHeads(directory: HeadsLocation.resolve(searchFrom: DomainHeadTests.repositoryRoot))
        func best(_ encoder: MiniLMEncoder, _ prompt: String) -> String {
            let p = heads.domain.probabilities(embedding: encoder.embed(prompt), text: prompt)
            return heads.domain.labels[p.indices.max { p[$0] < p[$1] }!]
        }
        for (prompt, _) in DomainHeadTests.clearPrompts {
            #expect(best(fast, prompt) == best(exact, prompt), "\(prompt)")
        }
    }

    @Test("the reference cosines hold within 0.005 in int8, and batches agree with single calls")
    func referenceCosines() throws {
        try #require(EncoderPrecision.int8.isSupported, "this CPU has no AVX2")
        let fast = try Self.int8.get()
        let guitar = fast.embed("A man is playing a guitar."), instrument = fast.embed("A person plays an instrument.")
        let market = fast.embed("The stock market crashed today.")
        #expect(abs(MiniLMEncoder.cosine(guitar, instrument) - 0.6658) < 0.005)
        #expect(abs(MiniLMEncoder.cosine(guitar, market) - -0.0776) < 0.005)
        #expect(abs(MiniLMEncoder.cosine(instrument, market) - -0.0882) < 0.005)
        let batch = fast.embed(batch: Self.sentences)
        for (text, embedding) in zip(Self.sentences, batch) {
            #expect(MiniLMEncoder.cosine(embedding, fast.embed(text)) > 0.9999, "\(text.prefix(30))")
        }
    }

    /// (m, k): every remainder of the 6-row tile at k = 64, and at k = 1536 rows in three passes of the kernel's
    /// 42-row chunks (42 + 42 + 16).
    @Test("the kernel computes a[m,k]·W (+c) for any row count, within int8 rounding of the float product",
          arguments: [(1, 64), (2, 64), (3, 64), (4, 64), (5, 64), (6, 64), (7, 64), (10, 64), (11, 64), (32, 64), (45, 64), (100, 1536)])
    func kernel(shape: (rows: Int, depth: Int)) throws {
        try #require(EncoderPrecision.int8.isSupported, "this CPU has no AVX2")
        let (m, k, n) = (shape.rows, shape.depth, 32)
        var generator = SplitMix(seed: UInt64(m))
        let a = (0..<(m * k)).map { _ in generator.float() * 4 - 2 }
        let w = (0..<(k * n)).map { _ in generator.float() * 0.2 - 0.1 }
        let start = (0..<(m * n)).map { _ in generator.float() }
        var exact = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { exact[i * n + j] += a[i * k + p] * w[p * n + j] } } }
        let weights = w.withUnsafeBufferPointer { QuantizedMatrix(Tensor(pointer: $0.baseAddress!, count: k * n), rows: k, columns: n) }
        let workspace = EncoderWorkspace(hidden: k, intermediate: k, heads: 1)
        workspace.reserveQuantized(tokens: m)
        for accumulate in [false, true] {
            // One row more than the product: the last rows run in a shorter tile and must not spill past m.
            var c = start + [Float](repeating: 7, count: n)
            a.withUnsafeBufferPointer { input in
                c.withUnsafeMutableBufferPointer { weights.multiply(input.baseAddress!, rows: m, into: $0.baseAddress!, accumulate: accumulate, workspace: workspace) }
            }
            #expect(c[(m * n)...].allSatisfy { $0 == 7 }, "a row past m was written")
            var error: Float = 0, norm: Float = 0
            for i in 0..<(m * n) {
                let expected = exact[i] + (accumulate ? start[i] : 0)
                error += (c[i] - expected) * (c[i] - expected)
                norm += exact[i] * exact[i]
            }
            #expect((error / norm).squareRoot() < 0.01, "relative error, accumulate \(accumulate)")
        }
    }

    @Test("split over threads, the product is bit-for-bit the single-threaded one")
    func threadedKernel() throws {
        try #require(EncoderPrecision.int8.isSupported, "this CPU has no AVX2")
        let (m, k, n) = (45, 256, 192)  // 2.2 M multiply-adds: above the threading cut-off
        var generator = SplitMix(seed: 7)
        let a = (0..<(m * k)).map { _ in generator.float() * 4 - 2 }
        let w = (0..<(k * n)).map { _ in generator.float() * 0.2 - 0.1 }
        let weights = w.withUnsafeBufferPointer { QuantizedMatrix(Tensor(pointer: $0.baseAddress!, count: k * n), rows: k, columns: n) }
        let workspace = EncoderWorkspace(hidden: k, intermediate: k, heads: 1)
        workspace.reserveQuantized(tokens: m)
        func product(threads: Int) -> [Float] {
            var c = [Float](repeating: 1, count: m * n)
            a.withUnsafeBufferPointer { input in
                c.withUnsafeMutableBufferPointer {
                    weights.multiply(input.baseAddress!, rows: m, into: $0.baseAddress!, accumulate: true, workspace: workspace, threads: threads)
                }
            }
            return c
        }
        let single = product(threads: 1)
        #expect(product(threads: 2) == single)
        #expect(product(threads: 5) == single, "uneven panel split")
    }
}

