import ClassifierConfig
import Foundation
import Testing
@testable import ClassifierCore
import SemrouteTestSupport

@Suite("Request path: pass-through and rewrite", .timeLimit(.minutes(10)), .uses(.cpu))
struct ChatRewriteTests {
    func pipeline(_ rules: [ClassifierConfig.DecisionRule] = []) throws -> ClassifierPipeline {
        try ClassifierPipeline(config: Fixtures.config(rules), encoder: nil, heads: nil)
    }

    func reason(_ p: ClassifierPipeline, path: String = "/v1/chat/completions", contentType: String? = "application/json",
                _ body: [UInt8]) -> PassThroughReason? {
        if case .passThrough(let r) = p.processRequest(path: path, contentType: contentType, body: body) { return r }
        return nil
    }

    @Test("requests that are not ours pass through with the reason")
    func passThrough() throws {
        let p = try pipeline()
        #expect(reason(p, path: "/v1/embeddings", Fixtures.chat("hi")) == .notChatCompletions)
        #expect(reason(p, path: "/v1/chat/completions/extra", Fixtures.chat("hi")) == .notChatCompletions)
        #expect(reason(p, contentType: "text/plain", Fixtures.chat("hi")) == .notJSONContentType)
        #expect(reason(p, Array("not json".utf8)) == .notJSON)
        #expect(reason(p, Array("[1,2]".utf8)) == .notJSON)
        #expect(reason(p, Array(#"{"model":"MoM""#.utf8)) == .notJSON)
        #expect(reason(p, Array(String(repeating: "[", count: 10_000).utf8)) == .notJSON)
        #expect(reason(p, Array(#"{"messages":[]}"#.utf8)) == .noModel)
        #expect(reason(p, Fixtures.chat("hi", model: "gpt-4o")) == .otherModel)
    }

    @Test("chat-completions paths with prefixes, query strings and either model name are classified")
    func ourPaths() throws {
        let p = try pipeline()
        for path in ["/v1/chat/completions", "/openai/v1/chat/completions", "/v1/chat/completions?api-version=1", "/v1/chat/completions/"] {
            #expect(Fixtures.rewrite(p, Fixtures.chat("hi"), path: path) != nil, "\(path)")
        }
        #expect(p.processRequest(path: "/v1/chat/completions", contentType: "application/json; charset=utf-8",
                                 body: Fixtures.chat("hi", model: "auto")).isRewrite)
        #expect(p.processRequest(path: "/v1/chat/completions", contentType: nil, body: Fixtures.chat("hi")).isRewrite)
    }

    @Test("content types: JSON media types in any case and spacing are classified; other media types and look-alike paths pass through")
    func contentTypesAndPaths() throws {
        let p = try pipeline()
        for type in ["Application/JSON", "  application/json ; charset=utf-8", "application/vnd.openai+json", "\tapplication/json", ""] {
            #expect(p.processRequest(path: "/v1/chat/completions", contentType: type, body: Fixtures.chat("hi")).isRewrite, "\(type)")
        }
        for type in ["text/plain; charset=utf-8", "application/jsonl", "application/json-seq", "multipart/form-data"] {
            #expect(reason(p, contentType: type, Fixtures.chat("hi")) == .notJSONContentType, "\(type)")
        }
        #expect(Fixtures.rewrite(p, Fixtures.chat("hi"), path: "/v1/chat/completions#top") != nil)
        for path in ["/v1/chat/completionsx", "/v1/chat/completion", "chat/completions", "/v1/chat/completions/x?a=/v1/chat/completions"] {
            #expect(reason(p, path: path, Fixtures.chat("hi")) == .notChatCompletions, "\(path)")
        }
    }

    @Test("the rewritten body escapes quotes, backslashes and control characters and leaves other text as is")
    func escapesStrings() throws {
        let p = try pipeline([Fixtures.rule("code", .init(keywords: .init(any: ["python"])))])
        let prompt = "python \u{1}bell\u{1F} tab\tquote\"slash\\ é😀 \r\n"
        let r = try #require(Fixtures.rewrite(p, Fixtures.chat(prompt)))
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(text.contains(#"python \u0001bell\u001f tab\tquote\"slash\\ é😀 \r\n"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
        let content = ((object["messages"] as? [[String: Any]])?.first?["content"]) as? String
        #expect(content == prompt, "the text round-trips through a JSON parser unchanged")
    }

    @Test("the rewrite keeps every other field, its order and number spelling, and fixes content-length")
    func preservesFields() throws {
        let p = try pipeline([Fixtures.rule("code", .init(keywords: .init(any: ["python"])), effort: "low")])
        let original = #"""
        {"temperature":0.70,"model":"MoM","messages":[{"role":"user","content":"python \"quoted\" \u00e9\ud83d\ude00 line\nnext"}],
         "seed":12345678901234567890,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
         "x_vendor":{"nested":[true,null,-1.5e-3]},"reasoning_effort":"minimal"}
        """#
        let r = try #require(Fixtures.rewrite(p, Array(original.utf8)))
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(text.hasPrefix(#"{"temperature":0.70,"model":"mom.code","messages":"#))
        #expect(text.contains(#""seed":12345678901234567890"#))
        #expect(text.contains(#""x_vendor":{"nested":[true,null,-1.5e-3]}"#))
        #expect(text.contains(#""reasoning_effort":"low""#))
        #expect(text.contains(#"python \"quoted\" é😀 line\nnext"#))
        var expected = try Fixtures.json(Array(original.utf8))
        expected.set("model", .string("mom.code"))
        expected.set("reasoning_effort", .string("low"))
        #expect(try Fixtures.json(r.body) == expected)
        #expect(r.headers.last == HeaderField("content-length", String(r.body.count)))
    }

    @Test("the system prompt merges into a leading system message, else becomes the first message")
    func systemPrompt() throws {
        let p = try pipeline([Fixtures.rule("s", .init(keywords: .init(any: ["go"])), systemPrompt: "Be brief.")])
        let withSystem = Array(#"{"model":"MoM","messages":[{"role":"system","content":"You are kind."},{"role":"user","content":"go"}]}"#.utf8)
        let merged = try #require(Fixtures.rewrite(p, withSystem))
        let m = try #require(Fixtures.json(merged.body)["messages"]?.arrayValue)
        #expect(m.count == 2)
        #expect(m[0]["content"] == .string("Be brief.\n\nYou are kind."))
        let parts = Array(#"{"model":"MoM","messages":[{"role":"developer","content":[{"type":"text","text":"Rules."}]},{"role":"user","content":"go"}]}"#.utf8)
        let partsRewrite = try #require(Fixtures.rewrite(p, parts))
        let p2 = try #require(Fixtures.json(partsRewrite.body)["messages"]?.arrayValue)
        #expect(p2[0]["content"]?.arrayValue?.first?["text"] == .string("Be brief."))
        #expect(p2[0]["content"]?.arrayValue?.count == 2)
        let plain = try #require(Fixtures.rewrite(p, Fixtures.chat("go")))
        let inserted = try #require(Fixtures.json(plain.body)["messages"]?.arrayValue)
        #expect(inserted.count == 2)
        #expect(inserted[0] == .object([("role", .string("system")), ("content", .string("Be brief."))]))
    }

    @Test("the last user message is what gets classified; array content uses its text parts")
    func classifiedText() throws {
        let p = try pipeline([Fixtures.rule("code", .init(keywords: .init(any: ["python"])))])
        let earlierTurn = Array(#"{"model":"MoM","messages":[{"role":"user","content":"python?"},{"role":"assistant","content":"yes"},{"role":"user","content":"thanks"}]}"#.utf8)
        #expect(try #require(Fixtures.rewrite(p, earlierTurn)).decision == "default")
        let parts = Array(#"{"model":"MoM","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"u"}},{"type":"text","text":"in python"}]}]}"#.utf8)
        #expect(try #require(Fixtures.rewrite(p, parts)).decision == "code")
        // No messages at all: still ours, routed to the default.
        #expect(try #require(Fixtures.rewrite(p, Array(#"{"model":"MoM"}"#.utf8))).alias == "mom.default")
    }

    @Test("classify explains signals, decision and what safety would do")
    func classifyReport() throws {
        let p = try ClassifierPipeline(
            config: Fixtures.config([Fixtures.rule("math", .init(domains: ["math"]))], safety: .init(piiAction: "Block", jailbreakAction: "Block")),
            encoder: BagOfWordsEncoder(), heads: ClassifierHeads(domain: Fixtures.keywordDomainHead()))
        let report = try p.classify(body: Fixtures.chat("the integral of x, mail me at a@b.io", model: "anything"))
        #expect(report.decision == "math")
        #expect(report.alias == "mom.math")
        #expect(report.signals.domain?.label == "math")
        #expect(report.signals.domain?.scores.count == DomainLabels.all.count)
        #expect(report.signals.pii == [.init(entity: "EMAIL", count: 1)])
        #expect(report.blocked == "pii")
        #expect(report.timings.encoderMicros != nil)
        #expect(throws: ClassifyError.self) { try p.classify(body: Array("nope".utf8)) }
    }

    @Test("classify reports the keywords and regexes that matched, per decision, as written in the route")
    func classifyKeywordMatches() throws {
        typealias C = ClassifierConfig.Condition
        let p = try pipeline([
            Fixtures.rule("math", .init(anyOf: [
                C(keywords: .init(any: ["Integral", "derivative", "limit"])),
                C(keywords: .init(regex: [#"\bd/dx\b"#, "never"])),
            ])),
            Fixtures.rule("code", .init(keywords: .init(all: ["python", "loop"]))),
            Fixtures.rule("law", .init(keywords: .init(any: ["contract"]))),
        ])
        let report = try p.classify(body: Fixtures.chat("the INTEGRAL and d/dx of a python loop"))
        #expect(report.signals.keywordMatches == [
            .init(decision: "math", keywords: ["Integral"], regex: [#"\bd/dx\b"#]),
            .init(decision: "code", keywords: ["python", "loop"], regex: []),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(report.signals.keywordMatches), as: UTF8.self)
        #expect(json == #"[{"decision":"math","keywords":["Integral"],"regex":["\\bd\/dx\\b"]},{"decision":"code","keywords":["python","loop"],"regex":[]}]"#)
        // An `all` condition with only some of its keywords present does not hold: no entry.
        #expect(try p.classify(body: Fixtures.chat("a python script")).signals.keywordMatches.isEmpty)
    }

    @Test("classify reports no example similarity (absent, not -1) when there are no messages to embed")
    func classifyNoMessagesSimilarity() throws {
        let p = try ClassifierPipeline(
            config: Fixtures.config([Fixtures.rule("greeting", .init(examples: .init(utterances: ["hello there"], threshold: 0.5)))]),
            encoder: BagOfWordsEncoder(), heads: nil)
        let empty = try p.classify(body: Array(#"{"model":"MoM","messages":[]}"#.utf8))
        #expect(empty.signals.examples == [.init(decision: "greeting", similarity: nil, threshold: 0.5)])
        #expect(empty.decision == "default")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(String(decoding: try encoder.encode(empty.signals.examples), as: UTF8.self) == #"[{"decision":"greeting","threshold":0.5}]"#)
        // With a prompt the similarity is there.
        let hello = try p.classify(body: Fixtures.chat("hello there"))
        #expect(hello.signals.examples.first?.similarity.map { $0 > 0.99 } == true)
    }
}

extension RequestOutcome {
    var isRewrite: Bool {
        if case .rewrite = self { return true }
        return false
    }
}
