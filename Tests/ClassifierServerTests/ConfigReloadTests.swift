import ClassifierConfig
import Foundation
import GRPCCore
import Testing
@testable import ClassifierServer
import SemrouteTestSupport

@Suite("Config reload from a ConfigMap volume", .timeLimit(.minutes(10)), .uses(.cpu))
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

    @Test("the periodic check picks up a swapped ConfigMap without a manual trigger")
    func periodicCheck() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute(), configure: { $0.reloadInterval = .milliseconds(20) }) { harness in
            try harness.swapConfig(TestConfigs.keywordRoute(mathAlias: "llm-mom.math-v3"))
            // The server's own periodic check installs generation 2; the store says when.
            await harness.server.store.waitForGeneration(2)
            #expect(harness.server.store.current?.config.decisions.first?.alias == "llm-mom.math-v3")
        }
    }

    @Test("an unloaded config is not served (503, UNAVAILABLE) until a config file appears again, even with the same bytes")
    func unloadAndReload() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute(), configure: { $0.reloadInterval = .seconds(3600) }) { harness in
            // What semroute dev does when the route is deleted: the file goes, then the config is unloaded.
            try FileManager.default.removeItem(atPath: harness.configPath)
            harness.server.unloadConfig()
            #expect(harness.server.store.current == nil)
            #expect(harness.server.reloadIfChanged() == .unchanged)
            let url = "http://127.0.0.1:\(harness.ports.http)"
            #expect(try await HTTPAPITests().get("\(url)/readyz").0 == 503)
            let (status, body) = try await HTTPAPITests().post("\(url)/v1/classify", prompt)
            #expect(status == 503 && body.contains("not_ready"), "\(body)")
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                await #expect { _ = try await envoy.exchange([Envoy.requestHeaders()]) } throws: { ($0 as? RPCError)?.code == .unavailable }
            }
            // The route is back with the same config: the same bytes are served again, as a new generation.
            try harness.swapConfig(TestConfigs.keywordRoute())
            #expect(harness.server.reloadIfChanged() == .reloaded(generation: 2))
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let answers = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: prompt)])
                #expect(answers[1].newBodyJSON?["model"] as? String == "llm-mom.math")
            }
        }
    }
}
