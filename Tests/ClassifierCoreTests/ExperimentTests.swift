import ClassifierConfig
import Testing
@testable import ClassifierCore

/// Sticky A/B tests in the classifier: a user (by header) always lands on the same arm, on every replica;
/// users split by weight; requests without the header stay outside the experiment.
@Suite("Sticky A/B experiments", .timeLimit(.minutes(3)))
struct ExperimentTests {
    typealias C = ClassifierConfig.Condition
    typealias E = ClassifierConfig.Experiment

    static func experiment(_ weights: [Int] = [50, 50], decision: String = "code") -> E {
        E(name: "coder-model", decision: decision, header: "X-User-Id", arms: weights.enumerated().map { i, w in
            .init(name: i == 0 ? "control" : "arm\(i)", alias: "mom.\(decision).\(i == 0 ? "control" : "arm\(i)")", weight: w)
        })
    }

    static func pipeline(_ experiments: [E]) throws -> ClassifierPipeline {
        var config = Fixtures.config([Fixtures.rule("code", C(keywords: .init(any: ["swift"])))])
        config.experiments = experiments
        return try ClassifierPipeline(config: config, encoder: nil, heads: nil)
    }

    static func rewrite(_ p: ClassifierPipeline, _ prompt: String, user: String?) throws -> RequestRewrite {
        let headers = user.map { ["x-user-id": $0] } ?? [:]
        guard case .rewrite(let r) = p.processRequest(path: "/v1/chat/completions", contentType: "application/json",
                                                      body: Fixtures.chat(prompt), headers: headers) else {
            throw ClassifierConfigError(field: "test", reason: "not rewritten")
        }
        return r
    }

    @Test("a user keeps one arm on every request and on a second pipeline (another replica, or after a reload); the alias and a header say which")
    func sticky() throws {
        let a = try Self.pipeline([Self.experiment()]), b = try Self.pipeline([Self.experiment()])
        #expect(a.readsHeaders, "the experiment's header must reach the classifier")
        for user in ["alice", "bob", "carol", "dave", "erin"] {
            let first = try Self.rewrite(a, "swift question", user: user)
            let arm = try #require(first.experiment)
            #expect(first.alias == "mom.code.\(arm.arm)")
            #expect(first.headers.contains(HeaderField("x-semroute-experiment", "coder-model=\(arm.arm)")))
            for _ in 0..<3 { #expect(try Self.rewrite(a, "another swift question", user: user).alias == first.alias) }
            #expect(try Self.rewrite(b, "swift question", user: user).alias == first.alias, "\(user) on another replica")
        }
    }

    @Test("without the user header, or on another decision, a request takes the decision's own alias")
    func outside() throws {
        let p = try Self.pipeline([Self.experiment()])
        let anonymous = try Self.rewrite(p, "swift question", user: nil)
        #expect(anonymous.alias == "mom.code" && anonymous.experiment == nil)
        #expect(try Self.rewrite(p, "swift question", user: "").alias == "mom.code", "an empty id names no user")
        let other = try Self.rewrite(p, "hello there", user: "alice")
        #expect(other.alias == "mom.default" && other.experiment == nil)
    }

    @Test("users split by weight: 10,000 ids land within 2 points of 50/50 and 80/20, and a 0-weight arm gets nobody")
    func weights() throws {
        for weights in [[50, 50], [80, 20], [1, 0, 1]] {
            let p = try Self.pipeline([Self.experiment(weights)])
            var counts: [String: Int] = [:]
            for i in 0..<10_000 { counts[try Self.rewrite(p, "swift", user: "user-\(i)").experiment!.arm, default: 0] += 1 }
            let total = weights.reduce(0, +)
            for (i, w) in weights.enumerated() {
                let name = i == 0 ? "control" : "arm\(i)"
                let share = Double(counts[name] ?? 0) / 10_000
                #expect(abs(share - Double(w) / Double(total)) < 0.02, "\(weights): \(name) got \(share)")
            }
        }
    }

    @Test("the default decision can be split too")
    func defaultDecision() throws {
        let p = try Self.pipeline([Self.experiment(decision: "default")])
        let r = try Self.rewrite(p, "hello", user: "alice")
        #expect(r.alias.hasPrefix("mom.default.") && r.experiment != nil)
    }

    @Test("the hash is 64-bit FNV-1a over name, a 0 byte and the user id, fixed across processes (Swift's Hasher is seeded per process and would reshuffle users)")
    func hash() {
        // Expected values from an independent FNV-1a implementation (a few lines of Python over the same bytes).
        #expect(ExperimentAssigner.fnv1a("", "") == 0xaf63_bd4c_8601_b7df)
        #expect(ExperimentAssigner.fnv1a("coder-model", "alice") == 0xa0c2_2dd7_4e1a_6eae)
        #expect(ExperimentAssigner.fnv1a("a", "") != ExperimentAssigner.fnv1a("", "a"), "the separator keeps the two apart")
    }

    @Test("a config the classifier cannot run is refused, naming the field")
    func configErrors() throws {
        func error(_ e: E) -> String? {
            do { _ = try Self.pipeline([e]); return nil } catch let error as ClassifierConfigError { return "\(error.field): \(error.reason)" } catch { return "\(error)" }
        }
        #expect(error(Self.experiment(decision: "nope"))?.hasPrefix("experiments[0].decision") == true)
        #expect(error(Self.experiment([100]))?.hasPrefix("experiments[0].arms") == true)
        #expect(error(Self.experiment([0, 0]))?.hasPrefix("experiments[0].arms") == true)
        #expect(throws: ClassifierConfigError.self) { try Self.pipeline([Self.experiment(), Self.experiment()]) }
    }
}
