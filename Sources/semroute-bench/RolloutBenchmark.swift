import ArgumentParser
import Foundation
import KubeClient
import KubeCore
import KubeEnvtest
import KubeSimulation
import Logging
import PrometheusQuery
import SemanticRouteController
import Synchronization

/// `semroute-bench rollouts`: what active rollouts cost the operator. N routes (copies of
/// `manifests/samples/rollout.yaml`, one rollout each) run under one operator (controller, Deployment
/// simulation, real clock) with a short interval, against KubeLocal or (`--server real`) kube-apiserver. A
/// Prometheus stand-in in the process answers every analysis healthy and counts the queries. Over whole
/// intervals it reports API requests by verb and resource, Prometheus queries, and the operator's CPU time.
struct RolloutBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollouts",
        abstract: "API requests, Prometheus queries and CPU per interval for many routes with active rollouts.")

    @Option(help: "Routes, one rollout each.")
    var routes = 100

    @Option(help: "The rollouts' interval, in seconds.")
    var interval = 10

    @Option(help: "Intervals measured (after every rollout has started).")
    var intervals = 2

    @Option(help: "Directory of the upstream CRDs (default: hack/fetch-upstream-crds.sh's, else ../shared/crds/upstream).")
    var upstreamCRDs = UpstreamCRDs.directory() ?? "../shared/crds/upstream"

    @Option(help: "local: KubeLocal in this process; real: etcd + kube-apiserver from KUBEBUILDER_ASSETS (requests from its audit log).")
    var server: BenchServer.Kind = .local

    /// Answers every query as a healthy step would be answered, and counts them.
    final class HealthyPrometheus: PrometheusQuerying {
        let count = Atomic<Int>(0)
        func query(_ promql: String, at time: Int64?) async throws(PrometheusError) -> [PrometheusSample] {
            count.add(1, ordering: .relaxed)
            // 100 candidate and 1,000 stable requests, none failed, one second each (requests and duration sums alike).
            let requests = ["Qwen/Qwen3-8B": 100.0, "Qwen/Qwen2.5-7B-Instruct": 1000.0]
            return requests.map { PrometheusSample(labels: ["gen_ai_request_model": $0.key], value: $0.value) }
        }
    }

    func run() async throws {
        var quiet = Logger(label: "bench")
        quiet.logLevel = .critical
        let server = try await BenchServer.start(server, crdPaths: [upstreamCRDs, "crds/semroute.io_semanticroutes.yaml"], logger: quiet)
        let client = try KubeClient(config: server.config, logger: quiet)
        try await BenchServer.seed(client, services: ["vllm-qwen25-7b", "vllm-qwen3-8b", "vllm-qwen25-coder"])
        guard case .object(let template) = try YAMLReader.documents(try String(contentsOfFile: "manifests/samples/rollout.yaml", encoding: .utf8))[0]
        else { throw ValidationError("manifests/samples/rollout.yaml: not an object") }
        // Steps enough to outlast the measurement, so every interval of every route moves one step.
        let steps = (1...(intervals + 2)).map { JSONValue($0 * 10) }
        func route(_ i: Int) -> JSONValue {
            var t = JSONValue.object(template)
            t["metadata"] = ["name": .string("r\(i)"), "namespace": "llm"]
            t["spec"]?["model"] = .string("chat-r\(i)")
            t["spec"]?["rollouts"] = [["name": "qwen3", "decision": "default", "stable": "qwen25-7b", "candidate": "qwen3-8b",
                                       "steps": .array(steps), "interval": .string("\(interval)s"), "analysis": ["minRequests": 1]]]
            return t
        }

        let prometheus = HealthyPrometheus()
        var configuration = SemanticRouteOperator.Configuration()
        configuration.prometheus = prometheus
        let op = try await SemanticRouteOperator.make(client: client, configuration: configuration, logger: quiet)
        let simClient = try KubeClient(config: server.config, logger: quiet)
        let simulator = WorkloadSimulator(client: simClient, now: { "2026-01-01T00:00:00Z" }, logger: quiet)
        var requests: [BenchServer.Request] = []
        var queries = 0
        var cpuSeconds = 0.0
        var wallSeconds = 0.0
        var stepsAdvanced = 0
        var reconciles = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in op.services { group.addTask { try await service.run() } }
            for service in simulator.services { group.addTask { try await service.run() } }
            while !op.isReady { try await Task.sleep(for: .milliseconds(10)) }
            for i in 0..<routes { _ = try await client.create(ManagedKinds.semanticRoutes, namespace: "llm", route(i)) }
            // Every rollout started (status written) and the queue drained.
            func steps() -> [Int] {
                op.informers[0].store.list().compactMap { $0[path: "status", "rollouts"]?.arrayValue?.first?["step"]?.intValue.map(Int.init) }
            }
            while steps().count < routes || op.controller.queue.depth > 0 || !op.controller.queue.runningKeys.isEmpty {
                try await Task.sleep(for: .milliseconds(20))
            }
            let before = steps().reduce(0, +)
            let mark = server.mark()
            let queriesBefore = prometheus.count.load(ordering: .relaxed)
            let cpuBefore = Self.cpuSeconds()
            let reconcilesBefore = op.controller.finishedReconciles
            let start = ContinuousClock.now
            try await Task.sleep(for: .seconds(interval * intervals))
            wallSeconds = Measure.seconds(ContinuousClock.now - start)
            cpuSeconds = Self.cpuSeconds() - cpuBefore
            queries = prometheus.count.load(ordering: .relaxed) - queriesBefore
            requests = server.requests(since: mark).filter { $0.verb != "watch" }
            stepsAdvanced = steps().reduce(0, +) - before
            reconciles = op.controller.finishedReconciles - reconcilesBefore
            group.cancelAll()
        }
        await op.shutdown()
        try? await simClient.shutdown()
        try? await client.shutdown()
        await server.stop()

        let perInterval = { (n: Int) in Double(n) / Double(intervals) }
        let byKind = Dictionary(grouping: requests) { "\($0.verb) \($0.resource)\($0.subresource.map { "/\($0)" } ?? "")" }
            .mapValues(\.count).sorted { $0.key < $1.key }
            .map { String(format: "%@ %.0f", $0.key, perInterval($0.value)) }.joined(separator: ", ")
        print("routes with an active rollout: \(routes); interval \(interval) s; measured \(intervals) intervals (\(String(format: "%.1f", wallSeconds)) s); \(server.kind == .local ? "KubeLocal in-process" : "kube-apiserver")")
        print(String(format: "steps advanced per interval: %.0f (every rollout one step)", perInterval(stepsAdvanced)))
        print(String(format: "Prometheus queries per interval: %.0f (%.1f per rollout)", perInterval(queries), perInterval(queries) / Double(routes)))
        print(String(format: "API requests per interval: %.0f (%.1f per rollout; watches excluded): %@", perInterval(requests.count),
                     perInterval(requests.count) / Double(routes), byKind))
        print(String(format: "reconciles per interval: %.0f (%.1f per step: the timer, the echo of the AIGatewayRoute patch, ...)",
                     perInterval(reconciles), Double(reconciles) / Double(max(1, stepsAdvanced))))
        print(String(format: "operator CPU per interval: %.2f s (%.1f ms per rollout step)%@", cpuSeconds / Double(intervals),
                     cpuSeconds / Double(max(1, stepsAdvanced)) * 1000,
                     server.kind == .local ? " (this process, KubeLocal included)" : " (this process: the operator)"))
    }

    /// User + system CPU time of this process.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }
}
