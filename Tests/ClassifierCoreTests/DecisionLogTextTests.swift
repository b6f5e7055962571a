import ClassifierConfig
import Testing
@testable import ClassifierCore

@Suite("The text a rewrite carries for the decision log", .timeLimit(.minutes(1)))
struct DecisionLogTextTests {
    static let prompt = "My card is 4111 1111 1111 1111, compute the integral of x"

    func rewrite(decisionLog: ClassifierConfig.DecisionLog?, piiAction: String?) throws -> RequestRewrite {
        var config = Fixtures.config([Fixtures.rule("math", .init(keywords: .init(any: ["integral"])))],
                                             safety: piiAction.map { .init(piiAction: $0, piiEntities: ["CREDIT_CARD"]) })
        config.decisionLog = decisionLog
        let pipeline = try ClassifierPipeline(config: config, encoder: nil, heads: nil)
        return try #require(Fixtures.rewrite(pipeline, Fixtures.chat(Self.prompt)))
    }

    @Test("no text unless the route asks for prompts; redacted as the backend sees it when the route redacts PII")
    func text() throws {
        #expect(try rewrite(decisionLog: .init(sampleRatio: 1), piiAction: nil).text == "")
        #expect(try rewrite(decisionLog: nil, piiAction: nil).text == "")
        #expect(try rewrite(decisionLog: .init(sampleRatio: 1, includePrompt: true), piiAction: nil).text == Self.prompt)
        let redacted = try rewrite(decisionLog: .init(sampleRatio: 1, includePrompt: true), piiAction: "Redact").text
        #expect(!redacted.contains("4111") && redacted.contains("integral"), "\(redacted)")
        let long = String(repeating: "integral ", count: 200)
        var config = Fixtures.config([Fixtures.rule("math", .init(keywords: .init(any: ["integral"])))])
        config.decisionLog = .init(sampleRatio: 1, includePrompt: true)
        let pipeline = try ClassifierPipeline(config: config, encoder: nil, heads: nil)
        #expect(try #require(Fixtures.rewrite(pipeline, Fixtures.chat(long))).text.count == 512)
    }
}
