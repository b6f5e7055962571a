import ClassifierConfig
import Testing
@testable import ClassifierCore
import SemrouteTestSupport

@Suite("Semantic cache", .timeLimit(.minutes(10)), .uses(.cpu))
struct SemanticCacheTests {
    let response = Array(#"{"id":"chatcmpl-1","choices":[]}"#.utf8)

    func pipeline(clock: ManualClock, threshold: Double = 0.95, ttl: Double = 60, maxEntries: Int = 100) throws -> ClassifierPipeline {
        try ClassifierPipeline(
            config: Fixtures.config([Fixtures.rule("code", .init(keywords: .init(any: ["python"])))],
                                   cache: .init(similarityThreshold: threshold, ttlSeconds: ttl, maxEntries: maxEntries)),
            encoder: BagOfWordsEncoder(), heads: nil, now: { clock.now })
    }

    func fill(_ p: ClassifierPipeline, _ prompt: String, body: [UInt8]? = nil, status: Int = 200) throws {
        let r = try #require(Fixtures.rewrite(p, Fixtures.chat(prompt)))
        p.recordResponse(try #require(r.cacheToken), status: status, body: body ?? response)
    }

    func hit(_ p: ClassifierPipeline, _ prompt: String, extra: String = "") -> [UInt8]? {
        if case .respond(let reply) = p.processRequest(path: "/v1/chat/completions", contentType: "application/json",
                                                       body: Fixtures.chat(prompt, extra: extra)),
           reply.reason == .cacheHit {
            #expect(reply.status == 200)
            return reply.body
        }
        return nil
    }

    @Test("a stored 200 response answers a similar prompt of the same decision")
    func hitAndThreshold() throws {
        let p = try pipeline(clock: ManualClock(), threshold: 0.95)
        #expect(hit(p, "write python code to sort a list") == nil)
        try fill(p, "write python code to sort a list")
        #expect(hit(p, "Write python code to sort a list!") == response)
        // Same decision but not similar enough.
        #expect(hit(p, "python decorators explained in depth") == nil)
        // Similar words, other decision (default): no hit.
        #expect(hit(p, "write code to sort a list") == nil)
    }

    @Test("with a sticky A/B test on the decision, one arm's cached answer never serves a user of the other arm")
    func experimentArms() throws {
        var config = Fixtures.config([Fixtures.rule("code", .init(keywords: .init(any: ["python"])))],
                                     cache: .init(similarityThreshold: 0.95, ttlSeconds: 60, maxEntries: 100))
        config.experiments = [.init(name: "x", decision: "code", header: "x-user-id", arms: [
            .init(name: "a", alias: "mom.code.a", weight: 1), .init(name: "b", alias: "mom.code.b", weight: 1),
        ])]
        let p = try ClassifierPipeline(config: config, encoder: BagOfWordsEncoder(), heads: nil, now: { .zero })
        func send(_ user: String) -> RequestOutcome {
            p.processRequest(path: "/v1/chat/completions", contentType: "application/json",
                             body: Fixtures.chat("write python code to sort a list"), headers: ["x-user-id": user])
        }
        // Two users on different arms (found by trying ids; the assignment is deterministic).
        var arms: [String: String] = [:]
        for i in 0..<50 {
            if case .rewrite(let r) = send("user-\(i)"), let arm = r.experiment?.arm, arms[arm] == nil { arms[arm] = "user-\(i)" }
        }
        let (userA, userB) = (try #require(arms["a"]), try #require(arms["b"]))
        guard case .rewrite(let first) = send(userA) else { Issue.record("not rewritten"); return }
        p.recordResponse(try #require(first.cacheToken), status: 200, body: response)
        if case .respond(let reply) = send(userA) { #expect(reply.reason == .cacheHit) } else { Issue.record("same arm: a cache hit expected") }
        guard case .rewrite(let other) = send(userB) else { Issue.record("the other arm was answered from the cache"); return }
        #expect(other.alias == "mom.code.b")
    }

    @Test("entries expire after the TTL")
    func ttl() throws {
        let clock = ManualClock()
        let p = try pipeline(clock: clock, ttl: 10)
        try fill(p, "python one")
        clock.advance(by: .seconds(9))
        #expect(hit(p, "python one") != nil)
        clock.advance(by: .seconds(2))
        #expect(hit(p, "python one") == nil)
    }

    @Test("beyond maxEntries the least recently used entry is evicted")
    func lru() throws {
        let p = try pipeline(clock: ManualClock(), threshold: 0.99, maxEntries: 2)
        try fill(p, "python alpha", body: Array(#"{"a":1}"#.utf8))
        try fill(p, "python beta", body: Array(#"{"b":1}"#.utf8))
        #expect(hit(p, "python alpha") != nil)  // alpha is now the most recently used
        try fill(p, "python gamma", body: Array(#"{"c":1}"#.utf8))
        #expect(p.cache?.count == 2)
        #expect(hit(p, "python beta") == nil)
        #expect(hit(p, "python alpha") != nil)
        #expect(hit(p, "python gamma") != nil)
    }

    @Test("only 200 JSON responses are stored, and streaming requests bypass the cache")
    func onlyCacheable() throws {
        let p = try pipeline(clock: ManualClock())
        try fill(p, "python errors", status: 500)
        try fill(p, "python stream", body: Array("data: {}\n\n".utf8))
        #expect(p.cache?.count == 0)
        let streaming = try #require(Fixtures.rewrite(p, Fixtures.chat("python errors", extra: #","stream":true"#)))
        #expect(streaming.cacheToken == nil)
        try fill(p, "python errors")
        #expect(hit(p, "python errors", extra: #","stream":true"#) == nil)
        #expect(hit(p, "python errors") != nil)
    }
}
