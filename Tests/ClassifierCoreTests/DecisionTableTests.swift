import ClassifierConfig
import Testing
@testable import ClassifierCore
import SemrouteTestSupport

@Suite("Decisions", .timeLimit(.minutes(10)), .uses(.cpu))
struct DecisionTableTests {
    typealias C = ClassifierConfig.Condition
    typealias K = ClassifierConfig.Keywords

    func pipeline(_ rules: [ClassifierConfig.DecisionRule], encoder: BagOfWordsEncoder? = BagOfWordsEncoder()) throws -> ClassifierPipeline {
        try ClassifierPipeline(config: Fixtures.config(rules), encoder: encoder,
                               heads: ClassifierHeads(domain: Fixtures.keywordDomainHead()))
    }

    func decision(_ p: ClassifierPipeline, _ prompt: String) throws -> String {
        try #require(Fixtures.rewrite(p, Fixtures.chat(prompt))).decision
    }

    @Test("the first matching decision in config order wins; no match gives the default alias")
    func priorityAndDefault() throws {
        let p = try pipeline([
            Fixtures.rule("urgent-math", C(keywords: K(any: ["urgent"]), anyOf: [C(domains: ["math"])])),
            Fixtures.rule("math", C(domains: ["math"])),
            Fixtures.rule("code", C(keywords: K(any: ["python"]))),
        ])
        #expect(try decision(p, "urgent: compute the integral of x") == "urgent-math")
        #expect(try decision(p, "compute the integral of x") == "math")
        #expect(try decision(p, "an integral in python") == "math")
        #expect(try decision(p, "write python") == "code")
        let r = try #require(Fixtures.rewrite(p, Fixtures.chat("tell me a joke")))
        #expect(r.decision == "default")
        #expect(r.alias == "mom.default")
        #expect(!r.shadowEligible)
    }

    @Test("all set members of a condition must hold")
    func allMembers() throws {
        let p = try pipeline([Fixtures.rule("law-contract", C(domains: ["law"], keywords: K(any: ["breach"])))])
        #expect(try decision(p, "breach of contract damages") == "law-contract")
        #expect(try decision(p, "contract formation") == "default")
        #expect(try decision(p, "data breach") == "default")
    }

    @Test("anyOf, allOf and not nest")
    func nesting() throws {
        let p = try pipeline([
            Fixtures.rule("nested", C(
                anyOf: [C(keywords: K(any: ["alpha"])), C(allOf: [C(keywords: K(any: ["beta"])), C(keywords: K(any: ["gamma"]))])],
                not: C(keywords: K(any: ["stop"])))),
        ])
        #expect(try decision(p, "alpha") == "nested")
        #expect(try decision(p, "beta gamma") == "nested")
        #expect(try decision(p, "beta only") == "default")
        #expect(try decision(p, "alpha stop") == "default")
        #expect(try decision(p, "gamma beta but stop") == "default")
    }

    @Test("not over a domain excludes that domain")
    func notDomain() throws {
        let p = try pipeline([Fixtures.rule("not-law", C(keywords: K(any: ["explain"]), not: C(domains: ["law"])))])
        #expect(try decision(p, "explain the integral") == "not-law")
        #expect(try decision(p, "explain the contract") == "default")
    }

    /// "integral" alone gives math a probability near 1; among 40 other words its n-gram weight is diluted to a
    /// weak argmax (about 0.2), as an open-ended prompt that merely mentions a domain word.
    static let weakMath = "integral " + (1...40).map { "filler\($0)" }.joined(separator: " ")

    @Test("a domains condition needs its domainMinProbability, else the head's calibrated default")
    func domainFloor() throws {
        let strongHead = Fixtures.keywordDomainHead()
        let weak = try #require(SignalContext(prompt: Self.weakMath, encoder: BagOfWordsEncoder(), domainHead: strongHead,
                                              exampleSets: []).domainTop())
        #expect(weak.label == "math")
        #expect(weak.probability > 0.1 && weak.probability < 0.5, "fixture: \(weak.probability)")

        // Per-condition floors: the weak argmax fires only for the lower one.
        let p = try pipeline([
            Fixtures.rule("math-strict", C(domains: ["math"], domainMinProbability: 0.5)),
            Fixtures.rule("math-loose", C(domains: ["math"], domainMinProbability: Double(weak.probability) - 0.01)),
        ])
        #expect(try decision(p, "integral") == "math-strict")
        #expect(try decision(p, Self.weakMath) == "math-loose")

        // Without an override the head's default applies: 0 fires on any argmax, 0.5 not on the weak one.
        let rules = [Fixtures.rule("math", C(domains: ["math"]))]
        for (floor, expected) in [(0.0, "math"), (0.5, "default")] {
            let pipeline = try ClassifierPipeline(config: Fixtures.config(rules), encoder: BagOfWordsEncoder(),
                                                  heads: ClassifierHeads(domain: Fixtures.keywordDomainHead(minProbability: floor)))
            #expect(try decision(pipeline, Self.weakMath) == expected, "head floor \(floor)")
            #expect(try decision(pipeline, "integral") == "math")
            // The classify report shows the floor that applied by default.
            let report = try pipeline.classify(body: Fixtures.chat(Self.weakMath))
            #expect(report.signals.domain?.minProbability == floor)
        }

        // Below the floor the prompt counts as general: `domains: [general]` takes it, and a sure math prompt not.
        let general = try pipeline([Fixtures.rule("general", C(domains: ["general"], domainMinProbability: 0.5))])
        #expect(try decision(general, Self.weakMath) == "general")
        #expect(try decision(general, "integral") == "default")

        // `not` over a floored domain holds below the floor.
        let n = try pipeline([Fixtures.rule("not-sure-math", C(keywords: K(any: ["integral"]), not: C(domains: ["math"], domainMinProbability: 0.5)))])
        #expect(try decision(n, Self.weakMath) == "not-sure-math")
        #expect(try decision(n, "integral") == "default")
    }

    @Test("domainMinProbability needs domains and a value from 0 to 1")
    func domainFloorErrors() throws {
        let alone = #expect(throws: ClassifierConfigError.self) {
            try pipeline([Fixtures.rule("x", C(keywords: K(any: ["a"]), domainMinProbability: 0.5))])
        }
        #expect(alone?.field.hasSuffix("domainMinProbability") == true)
        #expect(alone?.reason.contains("set domains too") == true)
        let range = #expect(throws: ClassifierConfigError.self) {
            try pipeline([Fixtures.rule("x", C(domains: ["math"], domainMinProbability: 1.5))])
        }
        #expect(range?.field.hasSuffix("domainMinProbability") == true)
    }

    @Test("example utterances match at or above the decision's threshold")
    func examples() throws {
        let p = try pipeline([
            Fixtures.rule("greeting", C(examples: .init(utterances: ["hello there friend", "good morning"], threshold: 0.7))),
        ])
        #expect(try decision(p, "hello there friend") == "greeting")
        #expect(try decision(p, "good morning") == "greeting")
        #expect(try decision(p, "quarterly revenue forecast") == "default")
    }

    @Test("keyword-only decisions never run the encoder; embedding decisions run it once")
    func lazyEncoder() throws {
        let encoder = BagOfWordsEncoder()
        let p = try pipeline([
            Fixtures.rule("code", C(keywords: K(any: ["python"]))),
            Fixtures.rule("math", C(domains: ["math"])),
            Fixtures.rule("greeting", C(examples: .init(utterances: ["hello"], threshold: 0.9))),
        ], encoder: encoder)
        let afterInit = encoder.callCount
        let r = try #require(Fixtures.rewrite(p, Fixtures.chat("python please")))
        #expect(r.decision == "code")
        #expect(encoder.callCount == afterInit)
        #expect(r.domain == nil)
        #expect(r.timings.encoderMicros == nil)
        let m = try #require(Fixtures.rewrite(p, Fixtures.chat("nothing matches this")))
        #expect(m.decision == "default")
        #expect(encoder.callCount == afterInit + 1)
        #expect(m.domain == "other")
        #expect(m.headers.contains(HeaderField("x-semroute-domain", "other")))
    }

    @Test("the decision's alias, reasoning effort and system prompt are written into the body")
    func edits() throws {
        let p = try pipeline([Fixtures.rule("math", C(domains: ["math"]), effort: "high", systemPrompt: "Be rigorous.")])
        let r = try #require(Fixtures.rewrite(p, Fixtures.chat("an integral please")))
        let body = try Fixtures.json(r.body)
        #expect(body["model"] == .string("mom.math"))
        #expect(body["reasoning_effort"] == .string("high"))
        let first = try #require(body["messages"]?.arrayValue?.first)
        #expect(first["role"] == .string("system"))
        #expect(first["content"] == .string("Be rigorous."))
        #expect(r.headers.contains(HeaderField("x-semroute-decision", "math")))
        #expect(r.headers.contains(HeaderField("content-length", String(r.body.count))))
        #expect(r.shadowEligible)
    }
}
