import ClassifierConfig
import Testing
@testable import ClassifierCore

@Suite("Keyword signal", .timeLimit(.minutes(2)))
struct KeywordMatcherTests {
    func matches(_ k: ClassifierConfig.Keywords, _ text: String) throws -> Bool {
        try KeywordMatcher(k).matches(PromptText(text))
    }

    @Test("any needs one keyword, all needs every keyword, both must hold when both are set")
    func anyAndAll() throws {
        #expect(try matches(.init(any: ["integral", "derivative"]), "take the derivative"))
        #expect(try !matches(.init(any: ["integral", "derivative"]), "take the limit"))
        #expect(try matches(.init(all: ["apiVersion", "kind"]), "apiVersion: v1\nkind: Pod"))
        #expect(try !matches(.init(all: ["apiVersion", "kind"]), "apiVersion: v1"))
        #expect(try !matches(.init(any: ["pod"], all: ["kind", "spec"]), "kind and spec but no p-o-d"))
        #expect(try matches(.init(any: ["pod"], all: ["kind", "spec"]), "kind, spec, pod"))
    }

    @Test("matching ignores case unless caseSensitive")
    func caseSensitivity() throws {
        #expect(try matches(.init(any: ["Integral"]), "an INTEGRAL"))
        #expect(try !matches(.init(any: ["Integral"], caseSensitive: true), "an integral"))
        #expect(try matches(.init(any: ["Integral"], caseSensitive: true), "an Integral"))
    }

    @Test("word boundaries: whole words by default, substrings when wordBoundary is false")
    func wordBoundaries() throws {
        #expect(try !matches(.init(any: ["integral"]), "integrals are fun"))
        #expect(try matches(.init(any: ["integral"]), "(integral)"))
        #expect(try matches(.init(any: ["integral"], wordBoundary: false), "integrals are fun"))
        #expect(try matches(.init(any: ["C++"]), "I like C++ a lot"))
        #expect(try !matches(.init(any: ["café"]), "les cafés"))
        #expect(try matches(.init(any: ["two words"]), "these two words here"))
    }

    @Test("regular expressions match anywhere, case-insensitively unless caseSensitive")
    func regex() throws {
        #expect(try matches(.init(regex: [#"Traceback \(most recent call last\)"#]), "Error:\ntraceback (most recent call last):"))
        #expect(try !matches(.init(regex: [#"Traceback \(most"#], caseSensitive: true), "traceback (most"))
        #expect(try matches(.init(regex: [#"\bE\d{4}\b"#, "nomatch"]), "rustc error E0502"))
    }

    @Test("an invalid regular expression is a config error naming the decision and the field")
    func invalidRegex() {
        let config = Fixtures.config([
            Fixtures.rule("ok", .init(keywords: .init(any: ["x"]))),
            Fixtures.rule("broken", .init(anyOf: [.init(keywords: .init(regex: ["fine", "(unclosed"]))])),
        ])
        #expect {
            try ClassifierPipeline(config: config, encoder: nil, heads: nil)
        } throws: { error in
            guard let e = error as? ClassifierConfigError else { return false }
            return e.field == "decisions[1].when.anyOf[0].keywords.regex[1]" && e.reason.contains("broken")
        }
    }
}
