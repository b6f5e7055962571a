import ClassifierConfig
import Testing
@testable import ClassifierCore

/// Multi-turn requests: the last user turn decides when it matches a decision on its own; a follow-up that
/// matches nothing is decided with its earlier user turns; a session's pin keeps its first decision.
@Suite("Conversation and session decisions", .timeLimit(.minutes(5)))
struct ConversationDecisionTests {
    typealias C = ClassifierConfig.Condition
    typealias K = ClassifierConfig.Keywords

    static let rules = [
        Fixtures.rule("code", C(keywords: K(any: ["python", "rust"]))),
        Fixtures.rule("poetry", C(keywords: K(any: ["poem", "haiku"]))),
    ]

    func pipeline(contextTurns: Int? = 2, session: ClassifierConfig.Session? = nil, safety: ClassifierConfig.Safety? = nil,
                  rules: [ClassifierConfig.DecisionRule] = rules, encoder: BagOfWordsEncoder? = nil,
                  clock: ManualClock = ManualClock()) throws -> ClassifierPipeline {
        var config = Fixtures.config(rules, safety: safety)
        config.conversation = contextTurns.map { .init(contextTurns: $0) }
        config.session = session
        return try ClassifierPipeline(config: config, encoder: encoder,
                                      heads: encoder == nil ? nil : ClassifierHeads(domain: Fixtures.keywordDomainHead()),
                                      now: { clock.now })
    }

    /// A chat body: user turns with an assistant answer between them.
    static func conversation(_ userTurns: [String]) -> [UInt8] {
        var messages: [String] = []
        for (i, turn) in userTurns.enumerated() {
            if i > 0 { messages.append(#"{"role":"assistant","content":"Sure: here it is."}"#) }
            var quoted: [UInt8] = []
            ChatJSON.writeString(turn, into: &quoted)
            messages.append(#"{"role":"user","content":"# + String(decoding: quoted, as: UTF8.self) + "}")
        }
        return Array(#"{"model":"MoM","messages":[\#(messages.joined(separator: ","))]}"#.utf8)
    }

    func rewrite(_ p: ClassifierPipeline, _ turns: [String], headers: [String: String] = [:]) throws -> RequestRewrite {
        let outcome = p.processRequest(path: "/v1/chat/completions", contentType: "application/json",
                                       body: Self.conversation(turns), headers: headers)
        guard case .rewrite(let r) = outcome else {
            Issue.record("not rewritten: \(outcome)")
            throw CancellationError()
        }
        return r
    }

    @Test("a follow-up that matches nothing keeps its conversation's decision; decided on the conversation")
    func followUp() throws {
        let p = try pipeline()
        let r = try rewrite(p, ["Write a python function that parses dates", "now make it faster please"])
        #expect(r.decision == "code")
        #expect(r.basis == .conversation)
        let alone = try rewrite(try pipeline(contextTurns: 0), ["Write a python function that parses dates", "now make it faster please"])
        #expect(alone.decision == "default", "contextTurns 0 classifies the last turn alone")
        #expect(alone.basis == .lastTurn)
    }

    @Test("a turn that matches a decision on its own is not dragged back to the old topic")
    func topicSwitch() throws {
        let r = try rewrite(try pipeline(), ["Write a python function that parses dates", "Now write a haiku about autumn"])
        #expect(r.decision == "poetry")
        #expect(r.basis == .lastTurn)
    }

    @Test("the window holds the last turn and at most contextTurns earlier user turns")
    func windowSize() throws {
        let turns = ["Write a python function", "thanks", "and another thing", "make it faster"]
        #expect(try rewrite(try pipeline(contextTurns: 2), turns).decision == "default", "python is three turns back")
        #expect(try rewrite(try pipeline(contextTurns: 3), turns).decision == "code")
        #expect(ClassifierPipeline.window(["a", "b", "c", "d"], contextTurns: 2) == "d\nc\nb", "newest first")
        #expect(ClassifierPipeline.window(["only"], contextTurns: 2) == "only")
    }

    @Test("keyword-only routes never run the encoder, also when a follow-up is decided with its conversation")
    func keywordOnlyNoEncoder() throws {
        let encoder = BagOfWordsEncoder()
        let p = try pipeline(encoder: encoder)
        #expect(try rewrite(p, ["Write a python function", "now make it faster"]).decision == "code")
        #expect(try rewrite(p, ["Hello", "how are you"]).decision == "default")
        #expect(encoder.callCount == 0)
    }

    @Test("a domain decision reads the window too: the follow-up of a math question is math")
    func domainFollowUp() throws {
        let encoder = BagOfWordsEncoder()
        let p = try pipeline(rules: [Fixtures.rule("math", C(domains: ["math"]))], encoder: encoder)
        let r = try rewrite(p, ["What is the integral of x squared?", "and of x cubed?"])
        #expect(r.decision == "math")
        #expect(r.basis == .conversation)
        #expect(r.domain == "math", "the domain header names the label the decision was taken on")
        #expect(r.timings.encoderMicros != nil)
    }

    @Test("a session keeps its first decision for its later turns until the TTL, counted from the pin")
    func sessionPin() throws {
        let clock = ManualClock()
        let p = try pipeline(session: .init(header: "X-Session-ID", ttlSeconds: 60, maxSessions: 100), clock: clock)
        let s = ["x-session-id": "abc"]
        let first = try rewrite(p, ["Write a python function"], headers: s)
        #expect(first.decision == "code")
        #expect(first.pinned)
        let second = try rewrite(p, ["Write a python function", "Now write a haiku about it"], headers: s)
        #expect(second.decision == "code", "pinned: the haiku turn keeps the session's decision")
        #expect(second.basis == .session)
        #expect(!second.pinned)
        #expect(try rewrite(p, ["Now write a haiku about it"], headers: ["x-session-id": "other"]).decision == "poetry",
                "another session is decided on its own")
        #expect(try rewrite(p, ["Now write a haiku about it"]).decision == "poetry", "no session header: no pin")
        clock.advance(by: .seconds(59))
        #expect(try rewrite(p, ["a haiku"], headers: s).basis == .session, "a use does not extend the pin")
        clock.advance(by: .seconds(1))
        let expired = try rewrite(p, ["a haiku"], headers: s)
        #expect(expired.decision == "poetry")
        #expect(expired.basis == .lastTurn)
        #expect(expired.pinned, "the session is pinned again from its next turn")
        #expect(p.pinnedSessions == 1, "the other session's pin expired too")
    }

    @Test("the default is pinned too: a session that started without a match keeps the default")
    func defaultPinned() throws {
        let p = try pipeline(session: .init(header: "x-session-id", ttlSeconds: 60, maxSessions: 100))
        let s = ["x-session-id": "abc"]
        #expect(try rewrite(p, ["hello there"], headers: s).decision == "default")
        let later = try rewrite(p, ["hello there", "write a python script"], headers: s)
        #expect(later.decision == "default")
        #expect(later.basis == .session)
    }

    @Test("safety runs on every turn of a pinned session")
    func safetyStillRuns() throws {
        let p = try pipeline(session: .init(header: "x-session-id", ttlSeconds: 60, maxSessions: 100),
                             safety: .init(piiAction: "Block"))
        let s = ["x-session-id": "abc"]
        #expect(try rewrite(p, ["Write a python function"], headers: s).decision == "code")
        let outcome = p.processRequest(path: "/v1/chat/completions", contentType: "application/json",
                                       body: Self.conversation(["Write a python function", "my card is 4111 1111 1111 1111"]),
                                       headers: s)
        guard case .respond(let reply) = outcome else {
            Issue.record("a PII turn of a pinned session must still be blocked, got \(outcome)")
            return
        }
        #expect(reply.status == 403)
    }

    @Test("session ids that are empty or over 256 bytes are never pinned")
    func oversizedIDs() throws {
        let p = try pipeline(session: .init(header: "x-session-id", ttlSeconds: 60, maxSessions: 100))
        for id in ["", String(repeating: "x", count: 257)] {
            #expect(try rewrite(p, ["Write a python function"], headers: ["x-session-id": id]).pinned == false)
        }
        #expect(try rewrite(p, ["Write a python function"], headers: ["x-session-id": String(repeating: "x", count: 256)]).pinned)
        #expect(p.pinnedSessions == 1)
    }

    @Test("pins are bounded: when full, the oldest pin goes first")
    func bounded() throws {
        let clock = ManualClock()
        let pins = SessionPins(ttl: .seconds(60), maxSessions: 3, now: { clock.now })
        for i in 0..<3 {
            pins.pin("s\(i)", decision: "d\(i)")
            clock.advance(by: .seconds(1))
        }
        pins.pin("s1", decision: "again")    // re-pinned: now the newest
        pins.pin("s3", decision: "d3")
        #expect(pins.count == 3)
        #expect(pins.pin(of: "s0") == nil, "the oldest was evicted")
        #expect(pins.pin(of: "s1")?.decision == "again")
        #expect(pins.pin(of: "s2")?.decision == "d2")
        #expect(pins.pin(of: "s3")?.decision == "d3")
        for i in 4..<10_000 { pins.pin("s\(i)", decision: nil) }
        #expect(pins.count == 3)
    }

    @Test("a config reload keeps live pins whose decision still exists and forgets the others")
    func reloadKeepsPins() throws {
        let clock = ManualClock()
        let session = ClassifierConfig.Session(header: "x-session-id", ttlSeconds: 60, maxSessions: 100)
        let old = try pipeline(session: session, clock: clock)
        _ = try rewrite(old, ["Write a python function"], headers: ["x-session-id": "coder"])
        _ = try rewrite(old, ["Write a haiku"], headers: ["x-session-id": "poet"])
        clock.advance(by: .seconds(30))
        let new = try pipeline(session: session, rules: [Self.rules[0]], clock: clock)
        new.inheritSessions(from: old)
        let coder = try rewrite(new, ["tell me a joke"], headers: ["x-session-id": "coder"])
        #expect(coder.decision == "code")
        #expect(coder.basis == .session)
        #expect(try rewrite(new, ["tell me a joke"], headers: ["x-session-id": "poet"]).basis == .lastTurn,
                "the poetry decision is gone: the session is decided again")
        clock.advance(by: .seconds(30))
        #expect(try rewrite(new, ["tell me a joke"], headers: ["x-session-id": "coder"]).basis == .lastTurn,
                "an inherited pin keeps its expiry")
    }

    @Test("a bad session or conversation config names its field")
    func badConfig() throws {
        var config = Fixtures.config(Self.rules)
        config.session = .init(header: "x-session-id", ttlSeconds: 0, maxSessions: 10)
        #expect(throws: ClassifierConfigError(field: "session.ttlSeconds", reason: "must be positive (got 0.0)")) {
            try ClassifierPipeline(config: config, encoder: nil, heads: nil)
        }
        config.session = nil
        config.conversation = .init(contextTurns: 9)
        #expect(throws: ClassifierConfigError(field: "conversation.contextTurns", reason: "must be between 0 and 8 (got 9)")) {
            try ClassifierPipeline(config: config, encoder: nil, heads: nil)
        }
    }
}
