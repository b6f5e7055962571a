import ArgumentParser
import ClassifierCore
import Foundation

/// `semroute-bench precision`: how far the int8 encoder's embeddings are from float32's on a set of texts (one
/// JSON string per line, e.g. the evaluation prompts `hack/eval-conversations.py --dump-texts` writes): cosine similarity per
/// text, its minimum and quantiles, and how many fall below the 0.995 the docs promise.
struct PrecisionComparison: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "precision", abstract: "int8 vs float32 embeddings on given texts.")

    @Option(help: "Model folder (default: $SEMROUTE_MODEL_DIR or models/all-minilm-l6-v2).") var modelDir: String?
    @Option(help: "A file with one JSON string (a prompt) per line.") var texts: String
    @Option(help: "The cosine similarity every text must reach.") var floor = 0.995

    func run() throws {
        guard EncoderPrecision.int8.isSupported else { throw ValidationError("int8 needs x86-64 with AVX2; this CPU has not") }
        guard let data = FileManager.default.contents(atPath: texts) else { throw ValidationError("--texts: cannot read \(texts)") }
        let prompts = try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONDecoder().decode(String.self, from: Data($0.utf8))
        }
        let directory = ModelLocation.resolve(explicit: modelDir)
        let reference = try MiniLMEncoder(modelDirectory: directory, precision: .float32)
        let quantised = try MiniLMEncoder(modelDirectory: directory, precision: .int8)
        var cosines: [Double] = []
        for prompt in prompts where !prompt.isEmpty {
            let a = reference.embed(prompt), b = quantised.embed(prompt)
            cosines.append(Double(zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }))
        }
        guard !cosines.isEmpty else { throw ValidationError("--texts: no prompts in \(texts)") }
        cosines.sort()
        let below = cosines.filter { $0 < floor }.count
        print(String(format: "%d texts: cosine int8 vs float32 min %.4f  p1 %.4f  p50 %.4f; %d below %.3f",
                     cosines.count, cosines[0], Measure.quantile(cosines, 0.01), Measure.quantile(cosines, 0.5), below, floor))
        if below > 0 { throw ExitCode(1) }
    }
}
