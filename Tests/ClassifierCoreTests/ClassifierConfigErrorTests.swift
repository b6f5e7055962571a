import ClassifierConfig
import Testing
@testable import ClassifierCore

@Suite("Config errors", .timeLimit(.minutes(2)))
struct ClassifierConfigErrorTests {
    func field(_ config: ClassifierConfig, encoder: (any TextEncoder)? = nil, heads: ClassifierHeads? = nil) -> String? {
        do {
            _ = try ClassifierPipeline(config: config, encoder: encoder, heads: heads)
            return nil
        } catch let e as ClassifierConfigError {
            return e.field
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test("each bad field is named")
    func namedFields() {
        typealias C = ClassifierConfig.Condition
        let heads = ClassifierHeads(domain: Fixtures.keywordDomainHead())
        var v2 = Fixtures.config([])
        v2.version = 2
        #expect(field(v2) == "version")
        #expect(field(Fixtures.config([Fixtures.rule("m", C(domains: ["maths"]))]), encoder: BagOfWordsEncoder(), heads: heads)
            == "decisions[0].when.domains[0]")
        #expect(field(Fixtures.config([Fixtures.rule("m", C(domains: ["math"]))])) == "decisions[0].when.domains")
        #expect(field(Fixtures.config([Fixtures.rule("e", C(examples: .init(utterances: ["x"], threshold: 0.5)))]))
            == "decisions[0].when.examples")
        #expect(field(Fixtures.config([Fixtures.rule("e", C())])) == "decisions[0].when")
        #expect(field(Fixtures.config([Fixtures.rule("r", C(keywords: .init(any: ["x"])), effort: "extreme")]))
            == "decisions[0].reasoningEffort")
        #expect(field(Fixtures.config([], safety: .init(piiAction: "Redact", piiEntities: ["EMAIL", "PASSPORT"])))
            == "safety.piiEntities[1]")
        #expect(field(Fixtures.config([], safety: .init(jailbreakAction: "Redact"))) == "safety.jailbreakAction")
        #expect(field(Fixtures.config([], cache: .init(similarityThreshold: 0.9, ttlSeconds: 60, maxEntries: 10))) == "cache")
        #expect(field(Fixtures.config([], cache: .init(similarityThreshold: 0.9, ttlSeconds: 0, maxEntries: 10)),
                      encoder: BagOfWordsEncoder()) == "cache.ttlSeconds")
    }

    @Test("a keyword-only config loads without an encoder or heads")
    func keywordOnlyNeedsNoModel() throws {
        let p = try ClassifierPipeline(config: Fixtures.config([Fixtures.rule("k", .init(keywords: .init(any: ["x"])))]),
                                       encoder: nil, heads: nil)
        #expect(!p.usesEncoder)
    }

    @Test("the operator's JSON (not as an array) decodes and compiles")
    func decodesOperatorJSON() throws {
        let json = #"""
        {"version":1,"route":"llm/mom","models":["MoM"],"defaultAlias":"mom.default","failOpen":true,
         "decisions":[{"name":"a","alias":"mom.a","priority":5,
           "when":{"keywords":{"any":["x"],"all":[],"regex":[],"caseSensitive":false,"wordBoundary":true},
                   "not":[{"keywords":{"any":["y"],"all":[],"regex":[],"caseSensitive":false,"wordBoundary":true}}]}}]}
        """#
        let config = try JSONDecoderShim.decode(json)
        let p = try ClassifierPipeline(config: config, encoder: nil, heads: nil)
        #expect(try #require(Fixtures.rewrite(p, Fixtures.chat("x"))).decision == "a")
        #expect(try #require(Fixtures.rewrite(p, Fixtures.chat("x y"))).decision == "default")
    }
}

import Foundation

enum JSONDecoderShim {
    static func decode(_ s: String) throws -> ClassifierConfig {
        try JSONDecoder().decode(ClassifierConfig.self, from: Data(s.utf8))
    }
}
