import ClassifierConfig
import Testing
@testable import ClassifierCore

@Suite("Header decisions", .timeLimit(.minutes(5)))
struct HeaderDecisionTests {
    typealias C = ClassifierConfig.Condition
    typealias K = ClassifierConfig.Keywords
    typealias H = ClassifierConfig.HeaderMatch

    func pipeline(_ rules: [ClassifierConfig.DecisionRule], encoder: BagOfWordsEncoder? = nil) throws -> ClassifierPipeline {
        try ClassifierPipeline(config: Fixtures.config(rules), encoder: encoder,
                               heads: encoder == nil ? nil : ClassifierHeads(domain: Fixtures.keywordDomainHead()))
    }

    func decision(_ p: ClassifierPipeline, _ prompt: String, _ headers: [String: String] = [:]) throws -> String {
        guard case .rewrite(let r) = p.processRequest(path: "/v1/chat/completions", contentType: "application/json",
                                                      body: Fixtures.chat(prompt), headers: headers) else {
            Issue.record("not rewritten")
            return ""
        }
        return r.decision
    }

    func holds(_ match: H, _ headers: [String: String]) throws -> Bool {
        try decision(pipeline([Fixtures.rule("h", C(headers: [match]))]), "hello", headers) == "h"
    }

    @Test("exact compares the whole value case-sensitively")
    func exact() throws {
        let m = H(name: "x-tier", exact: "premium")
        #expect(try holds(m, ["x-tier": "premium"]))
        #expect(try !holds(m, ["x-tier": "Premium"]))
        #expect(try !holds(m, ["x-tier": "premium-plus"]))
        #expect(try !holds(m, [:]))
        #expect(try holds(H(name: "x-tier", exact: ""), ["x-tier": ""]), "an empty exact value matches an empty header")
    }

    @Test("prefix matches the start of the value, case-sensitively")
    func prefix() throws {
        let m = H(name: "x-tenant", prefix: "internal-")
        #expect(try holds(m, ["x-tenant": "internal-search"]))
        #expect(try holds(m, ["x-tenant": "internal-"]))
        #expect(try !holds(m, ["x-tenant": "Internal-search"]))
        #expect(try !holds(m, ["x-tenant": "search-internal-"]))
        #expect(try !holds(m, [:]))
    }

    @Test("regex matches the whole value, case-sensitively")
    func regex() throws {
        let m = H(name: "x-user-groups", regex: "(.*,)?ml-research(,.*)?")
        #expect(try holds(m, ["x-user-groups": "ml-research"]))
        #expect(try holds(m, ["x-user-groups": "staff,ml-research,oncall"]))
        #expect(try !holds(m, ["x-user-groups": "ml-research-alumni"]), "a partial match is not enough")
        #expect(try !holds(m, ["x-user-groups": "ML-RESEARCH"]))
        #expect(try !holds(m, [:]))
        #expect(try !holds(H(name: "x-v", regex: "v[0-9]"), ["x-v": "v1\n"]), "no match before a trailing newline")
    }

    @Test("present holds for any value, empty included; absent only without the header")
    func presentAbsent() throws {
        #expect(try holds(H(name: "x-debug", present: true), ["x-debug": ""]))
        #expect(try holds(H(name: "x-debug", present: true), ["x-debug": "1"]))
        #expect(try !holds(H(name: "x-debug", present: true), ["x-other": "1"]))
        #expect(try holds(H(name: "x-debug", absent: true), ["x-other": "1"]))
        #expect(try !holds(H(name: "x-debug", absent: true), ["x-debug": ""]))
    }

    @Test("names compare case-insensitively: the config may spell them in any case")
    func nameCase() throws {
        #expect(try holds(H(name: "X-Tier", exact: "premium"), ["x-tier": "premium"]))
        #expect(RequestHeaders.dictionary([(name: "X-Tier", value: "premium")]) == ["x-tier": "premium"])
    }

    @Test("a header sent several times is compared as its values joined by a comma")
    func repeated() throws {
        let headers = RequestHeaders.dictionary([(name: "X-Group", value: "a"), (name: "x-group", value: "b"), (name: "x-tier", value: "gold")])
        #expect(headers == ["x-group": "a,b", "x-tier": "gold"])
        #expect(try holds(H(name: "x-group", exact: "a,b"), headers))
        #expect(try !holds(H(name: "x-group", exact: "a"), headers))
    }

    @Test("every entry of a headers list must hold")
    func listIsConjunction() throws {
        let p = try pipeline([Fixtures.rule("internal", C(headers: [H(name: "x-tenant", prefix: "internal-"), H(name: "x-batch", absent: true)]))])
        #expect(try decision(p, "hi", ["x-tenant": "internal-a"]) == "internal")
        #expect(try decision(p, "hi", ["x-tenant": "internal-a", "x-batch": "1"]) == "default")
        #expect(try decision(p, "hi", ["x-tenant": "public"]) == "default")
    }

    @Test("headers combine with keywords and nest under allOf, anyOf and not")
    func combined() throws {
        let p = try pipeline([
            Fixtures.rule("vip-sql", C(keywords: K(any: ["sql"]), headers: [H(name: "x-tier", exact: "premium")])),
            Fixtures.rule("either", C(anyOf: [C(headers: [H(name: "x-beta", present: true)]), C(keywords: K(any: ["beta"]))])),
            Fixtures.rule("all", C(allOf: [C(headers: [H(name: "x-team", exact: "data")]), C(keywords: K(any: ["report"]))])),
            Fixtures.rule("not-bot", C(keywords: K(any: ["summarise"]), not: C(headers: [H(name: "user-agent", prefix: "bot/")]))),
        ])
        #expect(try decision(p, "a sql query", ["x-tier": "premium"]) == "vip-sql")
        #expect(try decision(p, "a sql query", ["x-tier": "free"]) == "default")
        #expect(try decision(p, "anything", ["x-tier": "premium"]) == "default")
        #expect(try decision(p, "anything", ["x-beta": "yes"]) == "either")
        #expect(try decision(p, "the beta program") == "either")
        #expect(try decision(p, "the weekly report", ["x-team": "data"]) == "all")
        #expect(try decision(p, "the weekly report", ["x-team": "infra"]) == "default")
        #expect(try decision(p, "summarise this", ["user-agent": "curl/8"]) == "not-bot")
        #expect(try decision(p, "summarise this", ["user-agent": "bot/1.0"]) == "default")
        #expect(try decision(p, "summarise this") == "not-bot")
    }

    @Test("the premium tier gets the large model for the same domain; others get the regular one")
    func premiumTier() throws {
        let p = try pipeline([
            Fixtures.rule("math-premium", C(domains: ["math"], headers: [H(name: "x-tier", exact: "premium")])),
            Fixtures.rule("math", C(domains: ["math"])),
        ], encoder: BagOfWordsEncoder())
        #expect(try decision(p, "compute the integral of x", ["x-tier": "premium"]) == "math-premium")
        #expect(try decision(p, "compute the integral of x", ["x-tier": "free"]) == "math")
        #expect(try decision(p, "compute the integral of x") == "math")
        #expect(try decision(p, "tell me a joke", ["x-tier": "premium"]) == "default")
    }

    @Test("header and keyword decisions never run the encoder, and a failing header skips the embedding")
    func noEncoder() throws {
        let encoder = BagOfWordsEncoder()
        let p = try pipeline([
            Fixtures.rule("vip-sql", C(keywords: K(any: ["sql"]), headers: [H(name: "x-tier", exact: "premium")])),
            Fixtures.rule("tenant", C(headers: [H(name: "x-tenant", present: true)])),
            Fixtures.rule("premium-math", C(domains: ["math"], headers: [H(name: "x-tier", exact: "premium")])),
        ], encoder: encoder)
        let afterInit = encoder.callCount
        #expect(try decision(p, "a sql query", ["x-tier": "premium"]) == "vip-sql")
        #expect(try decision(p, "anything", ["x-tenant": "acme"]) == "tenant")
        #expect(try decision(p, "the integral", ["x-tier": "free"]) == "default", "the header fails before the domain is computed")
        #expect(encoder.callCount == afterInit)
        #expect(try decision(p, "the integral", ["x-tier": "premium"]) == "premium-math")
        #expect(encoder.callCount == afterInit + 1)

        let headerAndKeywordOnly = try pipeline([
            Fixtures.rule("vip-sql", C(keywords: K(any: ["sql"]), headers: [H(name: "x-tier", exact: "premium")])),
            Fixtures.rule("not-bot", C(not: C(headers: [H(name: "user-agent", prefix: "bot/")]))),
        ])
        #expect(!headerAndKeywordOnly.usesEncoder)
        #expect(try decision(headerAndKeywordOnly, "a sql query", ["x-tier": "premium"]) == "vip-sql")
    }

    @Test("/v1/classify tests the headers it is given and reports which header tests held")
    func classifyReport() throws {
        let p = try pipeline([
            Fixtures.rule("vip", C(headers: [H(name: "X-Tier", exact: "premium"), H(name: "x-batch", absent: true)])),
            Fixtures.rule("code", C(keywords: K(any: ["python"]))),
        ])
        let report = try p.classify(body: Fixtures.chat("python"), headers: ["x-tier": "premium", "x-batch": "1"])
        #expect(report.decision == "code")
        #expect(report.signals.headerMatches == [.init(decision: "vip", matched: ["x-tier"], unmatched: ["x-batch"])])
        #expect(try p.classify(body: Fixtures.chat("python"), headers: ["x-tier": "premium"]).decision == "vip")
        #expect(try p.classify(body: Fixtures.chat("python")).decision == "code")
    }

    @Test("a bad header entry in the config is rejected naming its field")
    func configErrors() throws {
        func field(_ h: H) -> String? {
            do {
                _ = try pipeline([Fixtures.rule("h", C(keywords: K(any: ["x"]), anyOf: [C(headers: [H(name: "x-ok", present: true), h])]))])
                return nil
            } catch let error as ClassifierConfigError {
                return error.field
            } catch {
                return "\(error)"
            }
        }
        #expect(field(H(name: "x-tier", exact: "a", prefix: "b")) == "decisions[0].when.anyOf[0].headers[1]")
        #expect(field(H(name: "x-tier")) == "decisions[0].when.anyOf[0].headers[1]")
        #expect(field(H(name: "x-tier", regex: "([")) == "decisions[0].when.anyOf[0].headers[1].regex")
        #expect(field(H(name: "x-tier", present: false)) == "decisions[0].when.anyOf[0].headers[1].present")
        #expect(field(H(name: "", present: true)) == "decisions[0].when.anyOf[0].headers[1].name")
        #expect(throws: ClassifierConfigError.self) { try pipeline([Fixtures.rule("h", C(headers: []))]) }
    }
}
