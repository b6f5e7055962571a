import ArgumentParser
import ClassifierConfig
import ClassifierCore
import Foundation

/// `semroute-bench conversation`: how often a conversation's second turn gets a different decision than its
/// first, on MT-Bench's 80 two-turn prompts (`hack/fetch-mtbench.sh`), with the real encoder and domain head.
/// Three ways of classifying the second turn, side by side on the same route and prompts: the last user turn
/// alone (`conversation.contextTurns: 0`), the conversation fallback (the default, `contextTurns: 2`), and
/// session pinning (`spec.session`). Also the latency of classifying the second turn in each.
struct ConversationBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "conversation",
                                                    abstract: "Decision flips between MT-Bench turns, with and without conversation context and session pinning.")

    @Option(help: "MT-Bench questions (JSON lines with `category` and two `turns`).") var questions = "data/mt_bench/question.jsonl"
    @Option(help: "Model folder (default: SEMROUTE_MODEL_DIR or models/all-minilm-l6-v2).") var modelDir: String?
    @Option(help: "Timed repetitions of each second turn, per mode.") var repetitions = 5

    struct Question {
        var id: Int
        var category: String
        var turns: [String]
    }

    /// A route shaped like a platform team's MoM: one decision per model family, by domain.
    static let decisions: [(String, [String])] = [
        ("math", ["math"]),
        ("code", ["computer science", "engineering"]),
        ("science", ["physics", "chemistry", "biology", "health"]),
        ("business", ["business", "economics", "law"]),
        ("humanities", ["history", "philosophy", "psychology"]),
    ]

    enum Mode: String, CaseIterable {
        case lastTurn = "last turn alone (contextTurns 0)"
        case conversation = "conversation fallback (contextTurns 2, default)"
        case session = "session pinning (spec.session)"
    }

    func run() throws {
        guard let text = try? String(contentsOfFile: questions, encoding: .utf8) else {
            throw ValidationError("--questions: cannot read \(questions) (run hack/fetch-mtbench.sh)")
        }
        let list = try text.split(separator: "\n").map { line -> Question in
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = o["question_id"] as? Int, let category = o["category"] as? String,
                  let turns = o["turns"] as? [String], turns.count >= 2 else {
                throw ValidationError("--questions: a line without question_id, category and two turns")
            }
            return Question(id: id, category: category, turns: turns)
        }
        let encoder = try MiniLMEncoder(modelDirectory: ModelLocation.resolve(explicit: modelDir))
        let heads = try ClassifierHeads(directory: HeadsLocation.resolve())
        let rules = Self.decisions.enumerated().map { i, d in
            ClassifierConfig.DecisionRule(name: d.0, alias: "mom.\(d.0)", priority: 100 - i, when: .init(domains: d.1))
        }
        let uptime = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        print("conversation: \(list.count) MT-Bench questions, \(rules.count) domain decisions + default; load average \(uptime)")

        var flips: [Mode: [String: (flipped: Int, total: Int)]] = [:]
        var latencies: [Mode: [Double]] = [:]
        var bases: [Mode: [DecisionBasis: Int]] = [:]
        let clock = ContinuousClock()
        for mode in Mode.allCases {
            let config = ClassifierConfig(
                route: "bench/mom", models: ["MoM"], decisions: rules, defaultAlias: "mom.default",
                session: mode == .session ? .init(header: "x-session-id", ttlSeconds: 1800, maxSessions: 10_000) : nil,
                conversation: .init(contextTurns: mode == .lastTurn ? 0 : 2))
            let pipeline = try ClassifierPipeline(config: config, encoder: encoder, heads: heads)
            for q in list {
                let session = ["x-session-id": "mt-bench-\(q.id)"]
                let first = Self.body([q.turns[0]])
                let second = Self.body([q.turns[0], q.turns[1]])
                let d1 = Self.decision(pipeline.processRequest(path: "/v1/chat/completions", contentType: "application/json",
                                                               body: first, headers: session))
                var d2 = ""
                for r in 0...repetitions {
                    // In the session mode the first turn pinned the session: every second turn is a pin hit.
                    let start = clock.now
                    let outcome = pipeline.processRequest(path: "/v1/chat/completions", contentType: "application/json",
                                                          body: second, headers: session)
                    if r > 0 { latencies[mode, default: []].append(Measure.seconds(clock.now - start) * 1e6) }
                    d2 = Self.decision(outcome)
                    if r == 0, case .rewrite(let rw) = outcome { bases[mode, default: [:]][rw.basis, default: 0] += 1 }
                }
                var counts = flips[mode, default: [:]][q.category, default: (0, 0)]
                counts.total += 1
                if d1 != d2 { counts.flipped += 1 }
                flips[mode, default: [:]][q.category] = counts
            }
        }
        let categories = Set(list.map(\.category)).sorted()
        print("  second turn differs from the first (flip rate):")
        print("  " + "mode".padding(toLength: 50, withPad: " ", startingAt: 0) + "all      " + categories.map { $0.padding(toLength: 11, withPad: " ", startingAt: 0) }.joined())
        for mode in Mode.allCases {
            let perCategory = flips[mode] ?? [:]
            let flipped = perCategory.values.map(\.flipped).reduce(0, +), total = perCategory.values.map(\.total).reduce(0, +)
            var line = "  " + mode.rawValue.padding(toLength: 50, withPad: " ", startingAt: 0)
            line += String(format: "%2d/%-2d    ", flipped, total)
            for c in categories {
                let x = perCategory[c] ?? (0, 0)
                line += "\(x.flipped)/\(x.total)".padding(toLength: 11, withPad: " ", startingAt: 0)
            }
            print(line)
        }
        print("  second turn decided on (first untimed pass):")
        for mode in Mode.allCases {
            let b = bases[mode] ?? [:]
            print("  " + mode.rawValue.padding(toLength: 50, withPad: " ", startingAt: 0)
                  + [DecisionBasis.lastTurn, .conversation, .session].map { "\($0.rawValue) \(b[$0] ?? 0)" }.joined(separator: ", "))
        }
        print("  latency of the second turn (\(repetitions) timed repetitions per question):")
        for mode in Mode.allCases {
            let s = (latencies[mode] ?? []).sorted()
            guard !s.isEmpty else { continue }
            print("  " + mode.rawValue.padding(toLength: 50, withPad: " ", startingAt: 0)
                  + String(format: "p50 %.0f µs  p99 %.0f µs", Measure.quantile(s, 0.5), Measure.quantile(s, 0.99)))
        }
        print(String(format: "peak RSS %.1f MiB", Measure.peakRSSMiB()))
    }

    /// A chat body with the given user turns and an assistant answer between them (its text is not classified).
    static func body(_ userTurns: [String]) -> [UInt8] {
        var messages: [[String: String]] = []
        for (i, turn) in userTurns.enumerated() {
            if i > 0 { messages.append(["role": "assistant", "content": "(the answer to the previous question)"]) }
            messages.append(["role": "user", "content": turn])
        }
        let object: [String: Any] = ["model": "MoM", "messages": messages]
        return [UInt8]((try? JSONSerialization.data(withJSONObject: object)) ?? Data())
    }

    static func decision(_ outcome: RequestOutcome) -> String {
        switch outcome {
        case .rewrite(let r): r.decision
        case .respond(let r): r.decision ?? "blocked"
        case .passThrough(let reason): "pass-through \(reason.rawValue)"
        case .failure: "failure"
        }
    }
}
