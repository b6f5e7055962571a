import ArgumentParser
import Foundation
import KubeClient
import KubeCore
import KubeEnvtest
import KubeLocal
import KubeRuntime
import KubeSimulation
import Logging
import SemanticRouteController
import Synchronization

/// `semroute-bench operator`: the operator's whole loop (informers, controller, Deployment simulation) against
/// KubeLocal in this process or (`--server real`) a real kube-apiserver from KUBEBUILDER_ASSETS, with the
/// upstream CRDs validating every object. Reports apply→Ready latency, API requests per route, writes of a
/// steady-state resync (must be 0) and a cold sync of many routes; on the real server the requests are counted
/// from its audit log, by verb.
struct OperatorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "apply→Ready latency, API requests per route, steady-state resync writes, cold sync.")

    @Option(help: "Routes created one after another for the latency figures.")
    var routes = 100

    @Option(help: "Routes present for the cold sync (the latency routes included).")
    var coldRoutes = 1000

    @Option(help: "Directory of the upstream CRDs (default: hack/fetch-upstream-crds.sh's, else ../shared/crds/upstream).")
    var upstreamCRDs = UpstreamCRDs.directory() ?? "../shared/crds/upstream"

    @Option(help: "local: KubeLocal in this process; real: etcd + kube-apiserver from KUBEBUILDER_ASSETS (requests from its audit log).")
    var server: BenchServer.Kind = .local

    @Option(help: "Sample route to copy.")
    var sample = "manifests/samples/mom.yaml"

    func run() async throws {
        var quiet = Logger(label: "bench")
        quiet.logLevel = .critical
        let server = try await BenchServer.start(server, crdPaths: [upstreamCRDs, "crds/semroute.io_semanticroutes.yaml"], logger: quiet)
        let config = server.config
        let client = try KubeClient(config: config, logger: quiet)
        try await BenchServer.seed(client, services: ["vllm-math", "vllm-math-next"])
        guard case .object(var template) = try YAMLReader.documents(try String(contentsOfFile: sample, encoding: .utf8))[0] else {
            throw ValidationError("\(sample): not an object")
        }
        template["status"] = nil
        func route(_ i: Int) -> JSONValue {
            var t = template
            t["metadata"] = ["name": .string("r\(i)"), "namespace": "llm"]
            // A model name of its own per route: routes claiming the same name on one Gateway conflict (only the
            // oldest would be accepted).
            if case .object(var spec)? = t["spec"] {
                spec["model"] = .string("MoM-r\(i)")
                spec["aliases"] = nil
                t["spec"] = .object(spec)
            }
            return .object(t)
        }

        // Phase 1: one operator; routes created one after another; time from create to Ready=True.
        let ready = Stamps()
        let programmed = Stamps()
        let created = Stamps()
        let op = try await SemanticRouteOperator.make(client: client, configuration: .init(), logger: quiet)
        let simClient = try KubeClient(config: config, logger: quiet)
        let simulator = WorkloadSimulator(client: simClient, now: { "2026-01-01T00:00:00Z" }, logger: quiet)
        let routeChanges = op.informers[0].changes()
        var latencies: [Double] = []
        var programmedLatencies: [Double] = []
        var requestsPerRoute = 0.0
        var steadyWrites = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in op.services { group.addTask { try await service.run() } }
            for service in simulator.services { group.addTask { try await service.run() } }
            group.addTask {
                for await change in routeChanges {
                    guard case .applied(_, let r) = change, let name = r[path: "metadata", "name"]?.stringValue else { continue }
                    let conditions = r[path: "status", "conditions"]?.arrayValue ?? []
                    let now = ContinuousClock.now
                    if conditions.contains(where: { $0["type"] == "Programmed" && $0["status"] == "True" }) {
                        programmed.times.withLock { if $0[name] == nil { $0[name] = now } }
                    }
                    if conditions.contains(where: { $0["type"] == "Ready" && $0["status"] == "True" }) {
                        ready.times.withLock { if $0[name] == nil { $0[name] = now } }
                    }
                }
            }
            while !op.isReady { try await Task.sleep(for: .milliseconds(10)) }
            var mark = server.mark()
            for i in 0..<routes {
                created.times.withLock { $0["r\(i)"] = ContinuousClock.now }
                _ = try await client.create(ManagedKinds.semanticRoutes, namespace: "llm", route(i))
                while ready.times.withLock({ $0["r\(i)"] == nil }) { try await Task.sleep(for: .milliseconds(2)) }
            }
            let requests = server.requests(since: mark).filter { $0.resource != "events" && $0.verb != "watch" }.count
            requestsPerRoute = Double(requests) / Double(routes)
            latencies = (0..<routes).map { i in
                Measure.seconds(ready.times.withLock { $0["r\(i)"]! } - created.times.withLock { $0["r\(i)"]! }) * 1000
            }.sorted()
            programmedLatencies = (0..<routes).compactMap { i in
                programmed.times.withLock { $0["r\(i)"] }.map { Measure.seconds($0 - created.times.withLock { $0["r\(i)"]! }) * 1000 }
            }.sorted()

            // Steady state: once the queue has drained, every route reconciled again; nothing may be written.
            while op.controller.queue.depth > 0 || !op.controller.queue.runningKeys.isEmpty {
                try await Task.sleep(for: .milliseconds(5))
            }
            mark = server.mark()
            for key in op.informers[0].store.keys() { op.controller.queue.add(key) }
            while op.controller.queue.depth > 0 || !op.controller.queue.runningKeys.isEmpty {
                try await Task.sleep(for: .milliseconds(5))
            }
            let steady = server.requests(since: mark).filter { $0.isWrite && $0.resource != "events" }
            steadyWrites = steady.count
            for w in steady { print("steady-state write: \(w)") }

            for i in routes..<max(routes, coldRoutes) {
                _ = try await client.create(ManagedKinds.semanticRoutes, namespace: "llm", route(i))
            }
            while ready.times.withLock({ $0.count }) < max(routes, coldRoutes) { try await Task.sleep(for: .milliseconds(20)) }
            group.cancelAll()
        }
        await op.shutdown()
        try? await simClient.shutdown()

        // Phase 2: a fresh operator starts against every route already programmed (a restart / failover).
        let coldMark = server.mark()
        let rssBefore = Measure.peakRSSMiB()
        let start = ContinuousClock.now
        let cold = try await SemanticRouteOperator.make(client: client, configuration: .init(), logger: quiet)
        var coldSeconds = 0.0
        var coldWrites = 0
        var coldRequests: [BenchServer.Request] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in cold.services { group.addTask { try await service.run() } }
            while !cold.isReady { try await Task.sleep(for: .milliseconds(5)) }
            // The controller enqueues every route once its stores are ready; wait until the queue drains.
            while cold.controller.queue.depth > 0 || !cold.controller.queue.runningKeys.isEmpty
                    || cold.controller.finishedReconciles < max(routes, coldRoutes) {
                try await Task.sleep(for: .milliseconds(5))
            }
            coldSeconds = Measure.seconds(ContinuousClock.now - start)
            coldRequests = server.requests(since: coldMark)
            coldWrites = coldRequests.filter { $0.isWrite && $0.resource != "events" }.count
            group.cancelAll()
        }
        await cold.shutdown()
        try? await client.shutdown()
        await server.stop()
        let byVerb = Dictionary(grouping: coldRequests, by: \.verb).mapValues(\.count).sorted { $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")

        print("routes: \(routes) (latency), \(max(routes, coldRoutes)) (cold sync)")
        print(String(format: "apply→Programmed latency: p50 %.1f ms, p99 %.1f ms (%d routes)", Measure.quantile(programmedLatencies, 0.5),
                     Measure.quantile(programmedLatencies, 0.99), programmedLatencies.count))
        print(String(format: "apply→Ready latency: p50 %.1f ms, p99 %.1f ms (Deployment status from the simulation)",
                     Measure.quantile(latencies, 0.5), Measure.quantile(latencies, 0.99)))
        print(String(format: "API requests per route (create to Ready, watches and Events excluded): %.1f", requestsPerRoute))
        print("writes in a steady-state resync of \(routes) routes: \(steadyWrites)")
        print(String(format: "cold sync of %d routes: %.2f s, %d writes; peak RSS %.0f MiB (before: %.0f MiB; %@)",
                     max(routes, coldRoutes), coldSeconds, coldWrites, Measure.peakRSSMiB(), rssBefore,
                     server.kind == .local ? "KubeLocal in-process" : "operator only: the API server is another process"))
        print("cold sync API requests by verb (\(server.kind == .local ? "KubeLocal request log" : "kube-apiserver audit log")): \(byVerb)")
    }
}

/// Instants per route name, shared between the benchmark's tasks.
final class Stamps: Sendable {
    let times = Mutex<[String: ContinuousClock.Instant]>([:])
}
