import Foundation
import KubeCore
import KubeEnvtest
import PrometheusQuery
@testable import SemanticRouteController
import SemanticRouteRender
import Testing

/// End to end with a real Prometheus server (Debian's `prometheus`): it scrapes a fixture exporter serving
/// AI-Gateway-shaped metrics (`hack/aigw-fixture-exporter.py`) for a healthy and a failing candidate, and the
/// operator (controller running, real clock, KubeLocal) judges two rollouts from it: one reaches 100%, the other
/// aborts to 0%.
@Suite("Rollouts judged by a real Prometheus", .timeLimit(.minutes(3)), .uses(.localServer), .serialized,
       .enabled(if: RealPrometheus.binary != nil, Comment(rawValue: RealPrometheus.missingReason)),
       .enabled(if: UpstreamCRDs.available(), Comment(rawValue: UpstreamCRDs.missingReason())))
struct RolloutPrometheusTests {
    static let route = """
        apiVersion: semroute.io/v1alpha1
        kind: SemanticRoute
        metadata: {name: e2e, namespace: llm}
        spec:
          gatewayRef: {name: ai-gateway, namespace: envoy-gateway-system, listener: http}
          model: chat
          backends:
          - {name: chat-old, model: chat-old-model, provider: SelfHosted, endpoint: {service: {name: vllm-math, namespace: models, port: 8000}}}
          - {name: chat-new, model: chat-new-model, provider: SelfHosted, endpoint: {service: {name: vllm-math, namespace: models, port: 8000}}}
          - {name: code-old, model: code-old-model, provider: SelfHosted, endpoint: {service: {name: vllm-math, namespace: models, port: 8000}}}
          - {name: code-new, model: code-new-model, provider: SelfHosted, endpoint: {service: {name: vllm-math, namespace: models, port: 8000}}}
          decisions:
          - {name: code, when: {keywords: {any: [python]}}, targets: [{backend: code-old}]}
          defaultTargets: [{backend: chat-old}]
          rollouts:
          - {name: chat, decision: default, stable: chat-old, candidate: chat-new, steps: [20, 60], interval: 3s,
             analysis: {minRequests: 5, maxErrorRate: "0.05", maxLatencyRatio: "1.5"}}
          - {name: code, decision: code, stable: code-old, candidate: code-new, steps: [20, 60], interval: 3s,
             analysis: {minRequests: 5, maxErrorRate: "0.05", maxLatencyRatio: "1.5"}}
        """

    /// The default decision's traffic arrives under its alias and (unclassified, failOpen) the virtual model.
    static let series = """
        [{"original": "e2e.default", "model": "chat-old-model", "rps": 20, "seconds": 1.0},
         {"original": "chat", "model": "chat-new-model", "rps": 4, "seconds": 1.1},
         {"original": "e2e.default", "model": "chat-new-model", "rps": 8, "seconds": 1.1},
         {"original": "e2e.code", "model": "code-old-model", "rps": 20, "seconds": 1.0},
         {"original": "e2e.code", "model": "code-new-model", "rps": 10, "errors": 0.5, "seconds": 1.0}]
        """

    @Test("the healthy candidate walks 20% → 60% → 100% (Succeeded); the failing one is aborted to 0% with its error rate in status")
    func healthyAndFailing() async throws {
        try await RealPrometheus.withRunning(series: Self.series) { prometheus in
            var configuration = SemanticRouteOperator.Configuration()
            configuration.prometheus = prometheus
            try await ScenarioHarness.run(controller: true, configuration: configuration) { h in
                try await h.create(try YAMLReader.documents(Self.route)[0])
                try await h.until("both rollouts to finish", seconds: 90) {
                    let phases = try await h.route("e2e")[path: "status", "rollouts"]?.arrayValue?.compactMap { $0["phase"]?.stringValue } ?? []
                    return phases.count == 2 && phases.allSatisfy { $0 == "Succeeded" || $0 == "Aborted" }
                }
                let status = try await h.route("e2e")[path: "status"]
                let rollouts = Dictionary(uniqueKeysWithValues: (status?["rollouts"]?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0) })
                let chat = try #require(rollouts["chat"]), code = try #require(rollouts["code"])
                #expect(chat["phase"] == "Succeeded" && chat["weight"] == 100 && chat["reason"] == "AllStepsPassed", "\(chat)")
                #expect(chat[path: "lastAnalysis", "verdict"] == "Passed")
                // Both of the candidate's series count: under the alias and under the virtual model.
                let chatRequests = chat[path: "lastAnalysis", "candidateRequests"]?.intValue ?? 0
                #expect(chatRequests >= 5, "\(chat)")
                #expect(code["phase"] == "Aborted" && code["weight"] == 0 && code["reason"] == "AnalysisFailed", "\(code)")
                let rate = Double(code[path: "lastAnalysis", "errorRate"]?.stringValue ?? "") ?? 0
                #expect(rate > 0.3 && rate < 0.7, "the fixture fails half of the candidate's requests: \(code)")
                #expect(status?["rollout"] == "chat 100% Succeeded, code 0% Aborted")

                // What Envoy would get: the default rule all on the candidate, the code rule back on its stable backend.
                let gatewayRoute = try await h.client.get(RenderedKinds.aiGatewayRoutes, namespace: "llm", name: "e2e")
                let rules = Dictionary(uniqueKeysWithValues: (gatewayRoute[path: "spec", "rules"]?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0) })
                #expect(rules["default"]?["backendRefs"]?.arrayValue?.map { $0["name"]?.stringValue } == ["e2e-chat-new"])
                #expect(rules["code"]?["backendRefs"]?.arrayValue?.map { $0["name"]?.stringValue } == ["e2e-code-old"])
            }
        }
    }
}

/// Debian's `prometheus` scraping `hack/aigw-fixture-exporter.py` every second, both under process guards.
enum RealPrometheus {
    static let binary: String? = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let missingReason = "the prometheus binary is not installed (apt-get install prometheus; .ci/run installs it)"
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Failure: Error, CustomStringConvertible { var description: String }

    static func withRunning(series: String, _ body: (PrometheusClient) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("semroute-prom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let portFile = dir.appendingPathComponent("exporter.port").path
        let exporter = try ChildProcess(name: "exporter", executable: "/usr/bin/env",
                                        arguments: ["python3", repoRoot.appendingPathComponent("hack/aigw-fixture-exporter.py").path,
                                                    "--port-file", portFile, "--series", series],
                                        logPath: dir.appendingPathComponent("exporter.log").path)
        var server: ChildProcess?
        do {
            let exporterPort = try await waitFor("the exporter's port", exporter) {
                (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            }
            let port = try FreePort.allocate(1)[0]
            let config = """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                scrape_configs:
                - job_name: aigw
                  static_configs: [{targets: ["127.0.0.1:\(exporterPort)"]}]
                """
            try config.write(to: dir.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
            server = try ChildProcess(name: "prometheus", executable: binary!, arguments: [
                "--config.file=\(dir.appendingPathComponent("prometheus.yml").path)",
                "--storage.tsdb.path=\(dir.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)",
            ], logPath: dir.appendingPathComponent("prometheus.log").path)
            let client = PrometheusClient(baseURL: "http://127.0.0.1:\(port)")
            // Ready once two scrapes are in: an increase() needs two samples.
            _ = try await waitFor("Prometheus to have scraped the exporter twice", server!) { () async -> Bool? in
                let samples = try? await client.query("count_over_time(up{job=\"aigw\"}[1m])", at: nil)
                return (samples?.first?.value ?? 0) >= 2 ? true : nil
            }
            try await body(client)
        } catch {
            await server?.stop()
            await exporter.stop()
            throw error
        }
        await server?.stop()
        await exporter.stop()
    }

    /// Polls `probe` (an external process has no event to wait on) every 100 ms for at most 30 s.
    static func waitFor<T>(_ what: String, _ process: ChildProcess, _ probe: () async -> T?) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let value = await probe() { return value }
            guard process.isRunning else { throw Failure(description: "\(process.name) exited while waiting for \(what):\n\(process.logTail())") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "timed out waiting for \(what):\n\(process.logTail())")
    }
}
