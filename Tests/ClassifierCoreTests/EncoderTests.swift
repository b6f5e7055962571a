import Foundation
import Testing
@testable import ClassifierCore
import SemrouteTestSupport

@Suite("MiniLM encoder (real weights)", .timeLimit(.minutes(10)), .uses(.cpu))
struct EncoderTests {
    @Test("matches sentence-transformers' embeddings (DESIGN §4.1) within 1e-4", arguments: [
        ("What is the derivative of x^2 * sin(x)?", [0.020065, 0.043650, -0.058405, 0.085045]),
        ("Write a Python function that reverses a linked list.", [-0.046461, 0.068864, 0.038089, 0.032271]),
    ] as [(String, [Float])])
    func goldenEmbeddings(text: String, prefix: [Float]) throws {
        let embedding = try EncoderModelFixture.encoder().embed(text)
        #expect(embedding.count == 384)
        for (actual, expected) in zip(embedding.prefix(4), prefix) {
            #expect(abs(actual - expected) <= 1e-4, "embedding prefix \(Array(embedding.prefix(4))) vs \(prefix)")
        }
    }

    @Test("reproduces the reference cosines within 1e-4")
    func goldenCosines() throws {
        let encoder = try EncoderModelFixture.encoder()
        let guitar = encoder.embed("A man is playing a guitar.")
        let instrument = encoder.embed("A person plays an instrument.")
        let market = encoder.embed("The stock market crashed today.")
        #expect(abs(MiniLMEncoder.cosine(guitar, instrument) - 0.6658) <= 1e-4)
        #expect(abs(MiniLMEncoder.cosine(guitar, market) - -0.0776) <= 1e-4)
        #expect(abs(MiniLMEncoder.cosine(instrument, market) - -0.0882) <= 1e-4)
    }

    @Test("embeddings have unit length", arguments: ["", "x", "A man is playing a guitar.", String(repeating: "long text ", count: 200)])
    func unitNorm(text: String) throws {
        let embedding = try EncoderModelFixture.encoder().embed(text)
        let norm = embedding.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) <= 1e-5)
    }

    @Test("a batch gives the same embeddings as one call per text")
    func batchEqualsSingle() throws {
        let encoder = try EncoderModelFixture.encoder()
        let texts = ["short", "", "What is the derivative of x^2 * sin(x)?", String(repeating: "many words here ", count: 40),
                     "Write a Python function that reverses a linked list.", "中文 text"]
        let batch = encoder.embed(batch: texts)
        #expect(batch.count == texts.count)
        for (text, embedding) in zip(texts, batch) {
            #expect(maxDifference(embedding, encoder.embed(text)) <= 1e-5, "batch differs for \(text)")
        }
        #expect(encoder.embed(batch: []).isEmpty)
    }

    @Test("a batch larger than one chunk keeps order")
    func largeBatch() throws {
        let encoder = try EncoderModelFixture.encoder()
        // 80 texts × ~103 tokens exceed the per-chunk token budget, so the batch runs in several chunks.
        let texts = (0..<80).map { "sentence number \($0) " + String(repeating: "about routing models ", count: 33) }
        #expect(texts.map { encoder.tokenizer.encode($0, maxTokens: 128).count }.reduce(0, +) > MiniLMEncoder.batchTokenBudget)
        let batch = encoder.embed(batch: texts)
        for index in [0, 39, 40, 79] {
            #expect(maxDifference(batch[index], encoder.embed(texts[index])) <= 1e-5)
        }
    }

    @Test("concurrent calls agree with sequential ones")
    func concurrentCalls() async throws {
        let encoder = try EncoderModelFixture.encoder()
        let texts = (0..<16).map { "request \($0): " + String(repeating: "explain transformers ", count: $0 % 5 + 1) }
        let sequential = texts.map { encoder.embed($0) }
        let concurrent = await withTaskGroup(of: (Int, [Float]).self) { group in
            for round in 0..<4 {
                for (index, text) in texts.enumerated() {
                    group.addTask { (index, round % 2 == 0 ? encoder.embed(text) : encoder.embed(batch: [text, "x"])[0]) }
                }
            }
            var results: [(Int, [Float])] = []
            for await result in group { results.append(result) }
            return results
        }
        #expect(concurrent.count == 64)
        for (index, embedding) in concurrent {
            #expect(maxDifference(embedding, sequential[index]) <= 1e-5, "concurrent result differs for text \(index)")
        }
    }

    @Test("text beyond maxTokens is ignored")
    func truncation() throws {
        let encoder = try MiniLMEncoder(modelDirectory: EncoderModelFixture.directory, maxTokens: 8)
        // Each word is one token: [CLS] + six words + [SEP] fill the 8 tokens.
        let long = encoder.embed("one two three four five six seven eight nine ten")
        let kept = encoder.embed("one two three four five six")
        #expect(maxDifference(long, kept) <= 1e-6)
        #expect(maxDifference(long, encoder.embed("one two three four five six seven")) <= 1e-6)
        let shared = try EncoderModelFixture.encoder()
        #expect(maxDifference(shared.embed("one two three four five six seven"), kept) > 1e-3)
    }

    @Test("maxTokens beyond the model's 512 positions is rejected")
    func maxTokensBound() {
        #expect(throws: EncoderError.self) { try MiniLMEncoder(modelDirectory: EncoderModelFixture.directory, maxTokens: 513) }
    }

    @Test("a missing model folder names the missing file and how to fetch it")
    func missingFolder() {
        let error = #expect(throws: EncoderError.self) { try MiniLMEncoder(modelDirectory: "/nonexistent/model") }
        #expect(error == .missingFile(path: "/nonexistent/model/vocab.txt"))
        #expect(error?.description.contains("hack/fetch-model.sh") == true)
    }

    @Test("a folder with the vocabulary but no weights names model.safetensors")
    func missingWeights() throws {
        let folder = try TemporaryModelFolder(vocabulary: true)
        #expect(throws: EncoderError.missingFile(path: folder.path + "/model.safetensors")) {
            try MiniLMEncoder(modelDirectory: folder.path)
        }
    }

    @Test("corrupt weights are rejected with an error naming the file", arguments: [
        Data([1, 2, 3]),
        Data([0xFF, 0xFF, 0, 0, 0, 0, 0, 0]) + Data("{}".utf8),
        Data([5, 0, 0, 0, 0, 0, 0, 0]) + Data("nope!".utf8),
        Data([2, 0, 0, 0, 0, 0, 0, 0]) + Data("{}".utf8),
    ])
    func corruptWeights(bytes: Data) throws {
        let folder = try TemporaryModelFolder(vocabulary: true)
        try bytes.write(to: URL(fileURLWithPath: folder.path + "/model.safetensors"))
        let error = #expect(throws: EncoderError.self) { try MiniLMEncoder(modelDirectory: folder.path) }
        guard case .invalidFile(let path, _) = error else {
            Issue.record("expected invalidFile, got \(String(describing: error))")
            return
        }
        #expect(path == folder.path + "/model.safetensors")
    }

    @Test("a vocabulary that does not fit the weights is rejected, naming vocab.txt")
    func mismatchedVocabulary() throws {
        let folder = try TemporaryModelFolder(vocabulary: false)
        try "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n".write(toFile: folder.path + "/vocab.txt", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/model.safetensors",
                                                   withDestinationPath: EncoderModelFixture.directory + "/model.safetensors")
        let error = #expect(throws: EncoderError.self) { try MiniLMEncoder(modelDirectory: folder.path) }
        guard case .invalidFile(let path, let reason) = error else {
            Issue.record("expected invalidFile, got \(String(describing: error))")
            return
        }
        #expect(path == folder.path + "/vocab.txt")
        #expect(reason.contains("30522"))
    }

    private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }
}

/// A temporary model folder, optionally holding the real vocabulary (as a symbolic link); removed on deinit.
final class TemporaryModelFolder {
    let path: String

    init(vocabulary: Bool) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("semroute-model-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if vocabulary {
            try FileManager.default.createSymbolicLink(atPath: path + "/vocab.txt",
                                                       withDestinationPath: EncoderModelFixture.directory + "/vocab.txt")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
