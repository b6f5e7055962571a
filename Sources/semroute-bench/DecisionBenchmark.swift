import ArgumentParser
import ClassifierConfig
import ClassifierCore
import Foundation

/// `semroute-bench decisions`: latency of the classifier pipeline's request path (parse → safety →
/// decisions → rewrite) on keyword-only routes, where the encoder must not run. Optionally with PII and
/// jailbreak detection on, and optionally with a domain decision (needs the model and heads).
struct DecisionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decisions",
                                                    abstract: "Keyword-only decision latency of the classifier pipeline.")

    @Option(help: "Requests measured (after a warm-up of the same size / 10).") var requests = 100_000
    @Option(help: "Keyword decisions in the route (each with 8 keywords; the last one is a regex).") var decisions = 10
    @Flag(help: "Also run PII (Redact) and jailbreak (Block) detection.") var safety = false
    @Option(help: "Model folder: adds a final domain decision, reached by prompts no keyword matches.") var modelDir: String?
    @Option(help: "Whole-request timings, per stage, for prompts of these sizes in bytes (no keyword in them, so every decision is tried; empty skips).")
    var promptBytes = ""
    @Option(help: "Requests timed per prompt size.") var sizedRequests = 20

    func run() throws {
        var rules: [ClassifierConfig.DecisionRule] = (0..<decisions).map { i in
            let words = (0..<8).map { "keyword\(i)x\($0)" }
            var k = ClassifierConfig.Keywords(any: words)
            if i == decisions - 1 { k = .init(regex: [#"Traceback \(most recent call last\)"#]) }
            return .init(name: "d\(i)", alias: "mom.d\(i)", priority: 100 - i, when: .init(keywords: k))
        }
        var encoder: (any TextEncoder)?
        var heads: ClassifierHeads?
        if let modelDir {
            encoder = try MiniLMEncoder(modelDirectory: modelDir)
            heads = try ClassifierHeads(directory: HeadsLocation.resolve())
            rules.append(.init(name: "math", alias: "mom.math", priority: 0, when: .init(domains: ["math"])))
        }
        let config = ClassifierConfig(
            route: "bench/mom", models: ["MoM"], decisions: rules, defaultAlias: "mom.default",
            safety: safety ? .init(piiAction: "Redact", jailbreakAction: "Block") : nil)
        let pipeline = try ClassifierPipeline(config: config, encoder: encoder, heads: heads)

        let filler = "Please help me understand how this service should be configured for production traffic, "
            + "including retries, timeouts and the usual operational concerns we discussed last week."
        // A mix: a keyword hit early, a hit on the middle decision, a miss on every keyword (default or domain).
        let prompts = [
            "keyword0x3 " + filler,
            "\(filler) keyword\(decisions / 2)x7 thanks",
            filler + " nothing to see here",
        ]
        let bodies = prompts.map { p in
            Array(#"{"model":"MoM","temperature":0.2,"messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":"\#(p)"}]}"#.utf8)
        }
        let runs = modelDir == nil ? requests : min(requests, 2_000)
        for i in 0..<max(1, runs / 10) { _ = pipeline.processRequest(path: "/v1/chat/completions", contentType: "application/json", body: bodies[i % bodies.count]) }
        var perBody: [[Double]] = Array(repeating: [], count: bodies.count)
        var decisionsSeen: [String: Int] = [:]
        let clock = ContinuousClock()
        for i in 0..<runs {
            let b = i % bodies.count
            let start = clock.now
            let outcome = pipeline.processRequest(path: "/v1/chat/completions", contentType: "application/json", body: bodies[b])
            perBody[b].append(Measure.seconds(clock.now - start) * 1e6)
            if case .rewrite(let r) = outcome { decisionsSeen[r.decision, default: 0] += 1 }
        }
        let all = perBody.flatMap { $0 }.sorted()
        print("decisions: \(rules.count) rules (\(decisions) keyword), safety \(safety ? "on" : "off"), encoder \(encoder == nil ? "none" : "loaded"); \(runs) requests, body \(bodies[1].count) bytes")
        print("  decisions taken: \(decisionsSeen.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        print(String(format: "  all:     p50 %.1f µs  p99 %.1f µs  max %.1f µs", Measure.quantile(all, 0.5), Measure.quantile(all, 0.99), all.last!))
        for (i, label) in ["early hit", "middle hit", "no keyword"].enumerated() {
            let s = perBody[i].sorted()
            print(String(format: "  %-10@ p50 %.1f µs  p99 %.1f µs", label as NSString, Measure.quantile(s, 0.5), Measure.quantile(s, 0.99)))
        }
        try sized(pipeline)
        print(String(format: "peak RSS %.1f MiB", Measure.peakRSSMiB()))
    }

    /// The request path on prompts of growing size: what a large body costs in each stage (issue 15: the cost of
    /// a request must not grow without bound with its prompt).
    func sized(_ pipeline: ClassifierPipeline) throws {
        guard !promptBytes.isEmpty else { return }
        let sizes = promptBytes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else { throw ValidationError("--prompt-bytes: comma-separated positive sizes") }
        let sentence = "Please summarise the quarterly revenue report, then list the three largest risks. "
        print("whole request by prompt size (\(sizedRequests) requests each; median per stage, µs):")
        for size in sizes {
            let text = String(String(repeating: sentence, count: size / sentence.utf8.count + 1).utf8.prefix(size))!
            let body = Array(try JSONSerialization.data(withJSONObject: ["model": "MoM", "messages": [["role": "user", "content": text]]]))
            _ = pipeline.processRequest(path: "/v1/chat/completions", contentType: "application/json", body: body)
            var stages: [String: [Double]] = [:]
            for _ in 0..<sizedRequests {
                guard case .rewrite(let r) = pipeline.processRequest(path: "/v1/chat/completions", contentType: "application/json", body: body) else {
                    throw ValidationError("a \(size)-byte prompt was not rewritten")
                }
                for (name, value) in r.timings.stages + [("total", r.timings.totalMicros)] { stages[name, default: []].append(value) }
            }
            let line = ["parse", "safety", "encoder", "decision", "cache", "rewrite", "total"].compactMap { name in
                stages[name].map { String(format: "%@ %.0f", name, Measure.quantile($0.sorted(), 0.5)) }
            }.joined(separator: "  ")
            print(String(format: "  %8d bytes  ", size) + line)
        }
    }
}
