import ArgumentParser
import ClassifierCore
import Foundation

/// `semroute-bench encoder`: single-text embedding latency (p50/p99) by token count and OpenBLAS thread count,
/// batch throughput, and peak RSS with the model loaded. Set `OPENBLAS_CORETYPE` in the environment to pick
/// OpenBLAS's kernels (it is read once, when the library loads).
struct EncoderBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "encoder", abstract: "MiniLM encoder latency and throughput.")

    @Option(help: "Model folder (default: $SEMROUTE_MODEL_DIR or models/all-minilm-l6-v2).") var modelDir: String?
    @Option(help: "Sequence lengths in tokens, [CLS] and [SEP] included.") var tokens = "16,32,64,128"
    @Option(help: "OpenBLAS thread counts to measure.") var threads = "1,2"
    @Option(help: "Timed calls per length and thread count.") var iterations = 300
    @Option(help: "Untimed warm-up calls per length and thread count.") var warmup = 30
    @Option(help: "Texts per batch for the batch-throughput line (0 skips it).") var batch = 64
    @Option(help: "Concurrent callers (one OpenBLAS thread each) for the saturation line (0 skips it).") var concurrency = 2
    @Option(help: "Dense-layer precision: float32 or int8 (AVX2; the thread counts then apply to attention only).") var precision: EncoderPrecision = .float32
    @Option(help: "Prompt sizes in bytes whose embedding (tokenize + forward at 128 tokens) is timed: the cost of a request must not grow with its prompt (empty skips it).")
    var promptBytes = "1000,100000,1000000"

    func run() throws {
        let lengths = try list(tokens, "--tokens")
        let threadCounts = try list(threads, "--threads")
        let directory = ModelLocation.resolve(explicit: modelDir)
        let loadStart = ContinuousClock.now
        let encoder = try MiniLMEncoder(modelDirectory: directory, maxTokens: max(128, lengths.max() ?? 128), precision: precision)
        let loadSeconds = Measure.seconds(ContinuousClock.now - loadStart)
        print(String(format: "model %@ loaded in %.2f s; precision %@; OpenBLAS core %@; OPENBLAS_CORETYPE=%@", directory, loadSeconds, precision.rawValue,
                     MiniLMEncoder.blasCoreName, ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(unset)"))
        print(String(format: "peak RSS after load %.1f MiB", Measure.peakRSSMiB()))

        let sizes = promptBytes.isEmpty ? [] : try list(promptBytes, "--prompt-bytes")
        if !sizes.isEmpty {
            MiniLMEncoder.setBLASThreads(1)
            let sentence = "Please summarise the quarterly revenue report, then list the three largest risks. "
            for size in sizes {
                let text = String(String(repeating: sentence, count: size / sentence.utf8.count + 1).utf8.prefix(size))!
                for _ in 0..<3 { _ = encoder.embed(text) }
                var tokenize: [Double] = [], embed: [Double] = []
                for _ in 0..<20 {
                    var start = ContinuousClock.now
                    _ = encoder.tokenizer.encode(text, maxTokens: 128)
                    tokenize.append(Measure.seconds(ContinuousClock.now - start) * 1000)
                    start = ContinuousClock.now
                    _ = encoder.embed(text)
                    embed.append(Measure.seconds(ContinuousClock.now - start) * 1000)
                }
                tokenize.sort(); embed.sort()
                print(String(format: "prompt %7d bytes: tokenize p50 %6.3f ms, embed (tokenize + forward, 128 tokens, 1 thread) p50 %6.2f ms",
                             size, Measure.quantile(tokenize, 0.5), Measure.quantile(embed, 0.5)))
            }
        }

        for threadCount in threadCounts {
            MiniLMEncoder.setBLASThreads(threadCount)
            for length in lengths {
                let text = try Self.text(tokens: length, tokenizer: encoder.tokenizer)
                for _ in 0..<warmup { _ = encoder.embed(text) }
                var samples: [Double] = []
                samples.reserveCapacity(iterations)
                for _ in 0..<iterations {
                    let start = ContinuousClock.now
                    _ = encoder.embed(text)
                    samples.append(Measure.seconds(ContinuousClock.now - start) * 1000)
                }
                samples.sort()
                print(String(format: "threads %d  tokens %3d  p50 %6.2f ms  p99 %6.2f ms  min %6.2f ms  (%d calls)",
                             threadCount, length, Measure.quantile(samples, 0.5), Measure.quantile(samples, 0.99),
                             samples[0], iterations))
            }
            if batch > 0 {
                let texts = try (0..<batch).map { _ in try Self.text(tokens: 32, tokenizer: encoder.tokenizer) }
                _ = encoder.embed(batch: texts)
                let rounds = 5
                let start = ContinuousClock.now
                for _ in 0..<rounds { _ = encoder.embed(batch: texts) }
                let seconds = Measure.seconds(ContinuousClock.now - start)
                print(String(format: "threads %d  batch of %d × 32 tokens: %.0f texts/s", threadCount, batch,
                             Double(batch * rounds) / seconds))
            }
        }
        if concurrency > 0 {
            // Saturation: independent single-text calls from `concurrency` threads, one OpenBLAS thread each.
            MiniLMEncoder.setBLASThreads(1)
            let text = try Self.text(tokens: 32, tokenizer: encoder.tokenizer)
            let perWorker = max(1, iterations / 2)
            let start = ContinuousClock.now
            DispatchQueue.concurrentPerform(iterations: concurrency) { _ in
                for _ in 0..<perWorker { _ = encoder.embed(text) }
            }
            let seconds = Measure.seconds(ContinuousClock.now - start)
            print(String(format: "%d concurrent callers × 1 thread, 32 tokens: %.0f texts/s", concurrency,
                         Double(concurrency * perWorker) / seconds))
        }
        print(String(format: "peak RSS %.1f MiB", Measure.peakRSSMiB()))
    }

    private func list(_ value: String, _ option: String) throws -> [Int] {
        let numbers = value.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !numbers.isEmpty, numbers.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("\(option) must be a comma-separated list of positive integers, got \(value)")
        }
        return numbers
    }

    /// A sentence of ordinary words that tokenizes to exactly `tokens` ids, specials included.
    static func text(tokens: Int, tokenizer: WordPieceTokenizer) throws -> String {
        let words = "the model routes each request to the server that best fits its domain while keeping delay low and cost under control for every user"
            .split(separator: " ")
        let text = (0..<max(0, tokens - 2)).map { String(words[$0 % words.count]) }.joined(separator: " ")
        let count = tokenizer.encode(text, maxTokens: 4096).count
        guard count == tokens else { throw ValidationError("benchmark text has \(count) tokens, wanted \(tokens)") }
        return text
    }
}

extension EncoderPrecision: ExpressibleByArgument {}
