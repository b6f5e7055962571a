import ClassifierConfig
import Foundation
import Testing
@testable import ClassifierServer

@Suite("Config reload from a ConfigMap volume")
struct ConfigReloadTests {
    let prompt = Envoy.chat(model: "MoM", "What is the derivative of sin(x)?")

    @Test("a changed config applies to new streams while a stream opened before finishes on the old one")
    func reloadWhileStreamOpen() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let open = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: prompt)]) { answered in
                    guard answered == 0 else { return }
                    // Headers answered, body not yet sent: the config changes under the open stream.
                    try harness.swapConfig(TestConfigs.keywordRoute(mathAlias: "llm-mom.math-v2"))
                    #expect(harness.server.reloadIfChanged() == .reloaded(generation: 2))
                }
                #expect(open[1].newBodyJSON?["model"] as? String == "llm-mom.math")
                let fresh = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: prompt)])
                #expect(fresh[1].newBodyJSON?["model"] as? String == "llm-mom.math-v2")
            }
            #expect(harness.server.reloadIfChanged() == .unchanged, "the same bytes are not reloaded twice")
        }
    }

    @Test("an invalid new config is rejected with a reason and a metric, and the old one stays in force")
    func rejectsBadConfig() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            try harness.swapConfig(raw: #"{"version": 1, "route": "llm/mom"}"#)
            guard case .rejected(let reason) = harness.server.reloadIfChanged() else {
                Issue.record("expected a rejection")
                return
            }
            #expect(reason.contains("models"), "the reason names the missing field: \(reason)")
            var future = TestConfigs.keywordRoute()
            future.version = 99
            try harness.swapConfig(future)
            guard case .rejected(let versionReason) = harness.server.reloadIfChanged() else {
                Issue.record("expected a rejection of version 99")
                return
            }
            #expect(versionReason.contains("version: 99"))
            #expect(harness.server.store.current?.generation == 1)
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let answers = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: prompt)])
                #expect(answers[1].newBodyJSON?["model"] as? String == "llm-mom.math")
            }
            let metrics = String(decoding: harness.registry.emitToBuffer(), as: UTF8.self)
            #expect(metrics.contains(#"semroute_classifier_config_reloads_total{result="failure"} 2"#))
        }
    }

    @Test("the periodic check picks up a swapped ConfigMap without a manual trigger", .timeLimit(.minutes(1)))
    func periodicCheck() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute(), configure: { $0.reloadInterval = .milliseconds(20) }) { harness in
            try harness.swapConfig(TestConfigs.keywordRoute(mathAlias: "llm-mom.math-v3"))
            // The server's own periodic check installs generation 2; the store says when.
            await harness.server.store.waitForGeneration(2)
            #expect(harness.server.store.current?.config.decisions.first?.alias == "llm-mom.math-v3")
        }
    }
}
