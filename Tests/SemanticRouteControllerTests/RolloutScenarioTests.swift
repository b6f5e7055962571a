import Foundation
import KubeClient
import KubeCore
import KubeEnvtest
import PrometheusQuery
import SemanticRouteAPI
@testable import SemanticRouteController
import SemanticRouteRender
import Synchronization
import Testing

/// A rollout through the operator's reconcile on KubeLocal, on a manual clock, with a scripted Prometheus: the
/// AIGatewayRoute's weights at each step, status and its column, Events, the user's commands by annotation,
/// an outage that pauses, a failing candidate that aborts.
@Suite("Rollout scenarios on KubeLocal", .timeLimit(.minutes(5)), .uses(.localServer), .serialized, .enabled(if: UpstreamCRDs.available(), Comment(rawValue: UpstreamCRDs.missingReason())))
struct RolloutScenarioTests {
    /// What Prometheus answers next: per backend model (requests, failed, summed success seconds), or an outage.
    final class ScriptedPrometheus: PrometheusQuerying {
        enum Answer: Sendable { case series([String: (Double, Double, Double)]), down(String) }
        private let state = Mutex<(answer: Answer, queries: [String])>((.down("not scripted"), []))

        func answer(_ a: Answer) { state.withLock { $0.answer = a } }
        var queries: [String] { state.withLock { $0.queries } }

        func query(_ promql: String, at time: Int64?) async throws(PrometheusError) -> [PrometheusSample] {
            let answer = state.withLock { s in s.queries.append(promql); return s.answer }
            switch answer {
            case .down(let why): throw PrometheusError(why)
            case .series(let byModel):
                return byModel.flatMap { model, v -> [PrometheusSample] in
                    if promql.contains("error_type)") {
                        return [.init(labels: ["gen_ai_request_model": model], value: v.0 - v.1),
                                .init(labels: ["gen_ai_request_model": model, "error_type": "_OTHER"], value: v.1)]
                    }
                    return [.init(labels: ["gen_ai_request_model": model], value: v.2)]
                }
            }
        }
    }

    static let stable = "Qwen/Qwen2.5-7B-Instruct", candidate = "Qwen/Qwen3-8B"

    /// The default rule's priority-0 weights, by backend name.
    static func weights(_ h: ScenarioHarness) async throws -> [String: Int] {
        let route = try await h.client.get(RenderedKinds.aiGatewayRoutes, namespace: "llm", name: "rollout")
        let rule = route[path: "spec", "rules"]?.arrayValue?.first { $0["name"] == "default" }
        var out: [String: Int] = [:]
        for ref in rule?["backendRefs"]?.arrayValue ?? [] where ref["priority"]?.intValue == 0 {
            out[ref["name"]?.stringValue ?? ""] = Int(ref["weight"]?.intValue ?? -1)
        }
        return out
    }

    static func rollout(_ h: ScenarioHarness) async throws -> JSONValue? {
        try await h.route("rollout")[path: "status", "rollouts"]?.arrayValue?.first
    }

    static func events(_ h: ScenarioHarness) async throws -> [String] {
        let list = try await h.client.listAll(.events, namespace: "llm")
        return list.items.filter { $0[path: "regarding", "name"] == "rollout" || $0[path: "involvedObject", "name"] == "rollout" }
            .compactMap { $0["reason"]?.stringValue }
    }

    @Test("steps advance on healthy answers, a user pauses and resumes by annotation, an outage pauses without moving, a failing candidate aborts to 0%")
    func lifecycle() async throws {
        let prometheus = ScriptedPrometheus()
        let now = Atomic<Int64>(1_796_000_000)
        var configuration = SemanticRouteOperator.Configuration()
        configuration.prometheus = prometheus
        configuration.wallClock = { now.load(ordering: .relaxed) }
        try await ScenarioHarness.run(configuration: configuration) { h in
            let text = try String(contentsOf: ControllerFixtures.samplesDirectory.appendingPathComponent("rollout.yaml"), encoding: .utf8)
            try await h.create(try YAMLReader.documents(text)[0])
            try await h.settle()
            // Start: step 1, 5% (19:1), the next analysis in one interval (10m).
            var action = try await h.reconcile("rollout")
            try await h.settle()
            action = try await h.reconcile("rollout")
            #expect(action == .requeue(after: .seconds(600)))
            try await h.settle()
            #expect(try await Self.weights(h) == ["rollout-qwen25-7b": 19, "rollout-qwen3-8b": 1])
            var status = try #require(try await Self.rollout(h))
            #expect(status["phase"] == "Progressing" && status["step"] == 1 && status["weight"] == 5)
            #expect(try await h.route("rollout")[path: "status", "rollout"] == "qwen3 5% Progressing")
            #expect(try await h.condition(.rolloutsProgressing, "rollout")?["status"] == "True")
            #expect(prometheus.queries.isEmpty, "nothing is asked before the step's interval is over")

            // 10 minutes on, healthy: step 2 at 25% (3:1). Writes: the AIGatewayRoute and the status.
            now.add(600, ordering: .relaxed)
            prometheus.answer(.series([Self.candidate: (120, 1, 120), Self.stable: (2000, 2, 2000)]))
            try await h.reconcile("rollout")
            #expect(Set(h.writes) == ["patch aigatewayroutes llm/rollout", "patch semanticroutes/status llm/rollout"])
            try await h.settle()
            #expect(prometheus.queries.count == 2)
            #expect(try await Self.weights(h) == ["rollout-qwen25-7b": 3, "rollout-qwen3-8b": 1])
            status = try #require(try await Self.rollout(h))
            #expect(status["step"] == 2 && status[path: "lastAnalysis", "verdict"] == "Passed" && status[path: "lastAnalysis", "candidateRequests"] == 120)

            // Nothing due: a reconcile writes nothing and asks nothing.
            try await h.reconcile("rollout")
            #expect(h.writes.isEmpty && prometheus.queries.count == 2)

            // A user pauses: one command, acted on, the annotation removed; no analysis while paused.
            _ = try await h.client.patch(ManagedKinds.semanticRoutes, namespace: "llm", name: "rollout",
                                         .merge(["metadata": ["annotations": ["rollout.semroute.io/qwen3": "pause"]]]))
            try await h.settle()
            now.add(900, ordering: .relaxed)
            try await h.reconcile("rollout")
            try await h.settle()
            #expect(try await Self.rollout(h)?["phase"] == "Paused")
            #expect(try await h.route("rollout")[path: "metadata", "annotations", "rollout.semroute.io/qwen3"] == nil)
            #expect(prometheus.queries.count == 2)
            #expect(try await h.condition(.rolloutsProgressing, "rollout")?["reason"] == "Paused")
            _ = try await h.client.patch(ManagedKinds.semanticRoutes, namespace: "llm", name: "rollout",
                                         .merge(["metadata": ["annotations": ["rollout.semroute.io/qwen3": "resume"]]]))
            try await h.settle()
            try await h.reconcile("rollout")
            try await h.settle()
            #expect(try await Self.rollout(h)?["phase"] == "Progressing")

            // Prometheus down when the step is due: paused, same weight, the condition says why; the route is untouched.
            now.add(600, ordering: .relaxed)
            prometheus.answer(.down("dial tcp 10.0.0.9:9090: connect: connection refused"))
            action = try await h.reconcile("rollout")
            #expect(action == .requeue(after: .seconds(30)))
            #expect(h.writes == ["patch semanticroutes/status llm/rollout"])
            try await h.settle()
            status = try #require(try await Self.rollout(h))
            #expect(status["phase"] == "Paused" && status["reason"] == "PrometheusUnavailable" && status["weight"] == 25)
            let condition = try #require(try await h.condition(.rolloutsProgressing, "rollout"))
            #expect(condition["status"] == "False" && condition["reason"] == "PrometheusUnavailable")
            #expect(condition["message"]?.stringValue?.contains("connection refused") == true)

            // Back, and the candidate fails: aborted, the stable backend has it all.
            now.add(30, ordering: .relaxed)
            prometheus.answer(.series([Self.candidate: (200, 40, 160), Self.stable: (2000, 2, 2000)]))
            try await h.reconcile("rollout")
            try await h.settle()
            let aborted = try await Self.weights(h)
            #expect(aborted == ["rollout-qwen25-7b": 1], "\(aborted)")
            status = try #require(try await Self.rollout(h))
            #expect(status["phase"] == "Aborted" && status["reason"] == "AnalysisFailed" && status["weight"] == 0)
            #expect(status[path: "lastAnalysis", "errorRate"] == "0.2")
            #expect(try await h.route("rollout")[path: "status", "rollout"] == "qwen3 0% Aborted")
            action = try await h.reconcile("rollout")
            #expect(action == .awaitChange, "an aborted rollout asks for no more analyses")

            let reasons = try await Self.events(h)
            for reason in ["RolloutStarted", "RolloutAdvanced", "RolloutPaused", "RolloutResumed", "PrometheusUnavailable", "RolloutAborted"] {
                #expect(reasons.contains(reason), "no \(reason) Event in \(reasons)")
            }
        }
    }
}
