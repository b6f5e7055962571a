import ArgumentParser
import Foundation
import KubeClient
import KubeCore
import KubeLocal
import KubeRuntime
import KubeSimulation
import Logging
import SemanticRouteController
import Synchronization

/// `semroute-bench operator`: the operator's whole loop (informers, controller, Deployment simulation) against
/// KubeLocal in this process, with the upstream CRDs validating every object. Reports apply→Ready latency,
/// API requests per route, writes of a steady-state resync (must be 0) and a cold sync of many routes.
struct OperatorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "apply→Ready latency, API requests per route, steady-state resync writes, cold sync.")

    @Option(help: "Routes created one after another for the latency figures.")
    var routes = 100

    @Option(help: "Routes present for the cold sync (the latency routes included).")
    var coldRoutes = 1000

    @Option(help: "Directory of the upstream CRDs.")
    var upstreamCRDs = "../shared/crds/upstream"

    @Option(help: "Sample route to copy.")
    var sample = "manifests/samples/mom.yaml"

    func run() async throws {
        var quiet = Logger(label: "bench")
        quiet.logLevel = .critical
        let server = try await LocalAPIServer.start(.init(port: 0, logger: quiet))
        let config = KubeConfig(server: URL(string: server.baseURL)!)
        let client = try KubeClient(config: config, logger: quiet)
        try await server.registerCRDs(fromDirectory: upstreamCRDs)
        try await server.registerCRD(try YAMLReader.documents(try String(contentsOfFile: "crds/semroute.io_semanticroutes.yaml", encoding: .utf8))[0])
        for ns in ["llm", "models", "envoy-gateway-system"] {
            _ = try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
        }
        _ = try await client.create(ManagedKinds.gateways, namespace: "envoy-gateway-system", [
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
            "metadata": ["name": "ai-gateway", "namespace": "envoy-gateway-system"],
            "spec": ["gatewayClassName": "eg", "listeners": [["name": "http", "port": 80, "protocol": "HTTP"]]]])
        _ = try await client.create(.secrets, namespace: "llm", ["apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": "openai-key", "namespace": "llm"], "data": ["apiKey": "c2VjcmV0"]])
        for name in ["vllm-math", "vllm-math-next"] {
            _ = try await client.create(.services, namespace: "models", ["apiVersion": "v1", "kind": "Service",
                "metadata": ["name": .string(name), "namespace": "models"], "spec": ["ports": [["port": 8000]]]])
        }
        guard case .object(var template) = try YAMLReader.documents(try String(contentsOfFile: sample, encoding: .utf8))[0] else {
            throw ValidationError("\(sample): not an object")
        }
        template["status"] = nil
        func route(_ i: Int) -> JSONValue {
            var t = template
            t["metadata"] = ["name": .string("r\(i)"), "namespace": "llm"]
            return .object(t)
        }

        // Phase 1: one operator; routes created one after another; time from create to Ready=True.
        let ready = Stamps()
        let created = Stamps()
        let op = try await SemanticRouteOperator.make(client: client, configuration: .init(), logger: quiet)
        let simClient = try KubeClient(config: config, logger: quiet)
        let deployments = Informer(resource: .deployments, source: KubeListWatch(client: simClient, resource: .deployments), logger: quiet)
        let simChanges = deployments.changes()
        let routeChanges = op.informers[0].changes()
        var latencies: [Double] = []
        var requestsPerRoute = 0.0
        var steadyWrites = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in op.services { group.addTask { try await service.run() } }
            group.addTask { try await deployments.run() }
            group.addTask {
                for await change in simChanges {
                    guard case .applied(_, let d) = change, let ns = d[path: "metadata", "namespace"]?.stringValue,
                          let name = d[path: "metadata", "name"]?.stringValue,
                          let status = DeploymentSimulation.status(for: d, now: "2026-01-01T00:00:00Z") else { continue }
                    _ = try? await client.patch(.deployments, namespace: ns, name: name, .merge(["status": status]), subresource: .status)
                }
            }
            group.addTask {
                for await change in routeChanges {
                    guard case .applied(_, let r) = change, let name = r[path: "metadata", "name"]?.stringValue,
                          r[path: "status", "conditions"]?.arrayValue?.contains(where: { $0["type"] == "Ready" && $0["status"] == "True" }) == true
                    else { continue }
                    let now = ContinuousClock.now
                    ready.times.withLock { if $0[name] == nil { $0[name] = now } }
                }
            }
            while !op.isReady { try await Task.sleep(for: .milliseconds(10)) }
            server.requestLog.clear()
            for i in 0..<routes {
                created.times.withLock { $0["r\(i)"] = ContinuousClock.now }
                _ = try await client.create(ManagedKinds.semanticRoutes, namespace: "llm", route(i))
                while ready.times.withLock({ $0["r\(i)"] == nil }) { try await Task.sleep(for: .milliseconds(2)) }
            }
            let requests = server.requestLog.all.filter { $0.resource != "events" && $0.verb != "watch" }.count
            requestsPerRoute = Double(requests) / Double(routes)
            latencies = (0..<routes).map { i in
                Measure.seconds(ready.times.withLock { $0["r\(i)"]! } - created.times.withLock { $0["r\(i)"]! }) * 1000
            }.sorted()

            // Steady state: once the queue has drained, every route reconciled again; nothing may be written.
            while op.controller.queue.depth > 0 || !op.controller.queue.runningKeys.isEmpty {
                try await Task.sleep(for: .milliseconds(5))
            }
            server.requestLog.clear()
            for key in op.informers[0].store.keys() { op.controller.queue.add(key) }
            while op.controller.queue.depth > 0 || !op.controller.queue.runningKeys.isEmpty {
                try await Task.sleep(for: .milliseconds(5))
            }
            let steady = server.requestLog.writes.filter { $0.resource != "events" }
            steadyWrites = steady.count
            for w in steady { print("steady-state write: \(w.verb) \(w.resource)\(w.subresource.map { "/" + $0 } ?? "") \(w.namespace ?? "")/\(w.name ?? "")") }

            for i in routes..<max(routes, coldRoutes) {
                _ = try await client.create(ManagedKinds.semanticRoutes, namespace: "llm", route(i))
            }
            while ready.times.withLock({ $0.count }) < max(routes, coldRoutes) { try await Task.sleep(for: .milliseconds(20)) }
            group.cancelAll()
        }
        await op.shutdown()
        try? await simClient.shutdown()

        // Phase 2: a fresh operator starts against every route already programmed (a restart / failover).
        server.requestLog.clear()
        let rssBefore = Measure.peakRSSMiB()
        let start = ContinuousClock.now
        let cold = try await SemanticRouteOperator.make(client: client, configuration: .init(), logger: quiet)
        var coldSeconds = 0.0
        var coldWrites = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in cold.services { group.addTask { try await service.run() } }
            while !cold.isReady { try await Task.sleep(for: .milliseconds(5)) }
            // The controller enqueues every route once its stores are ready; wait until the queue drains.
            while cold.controller.queue.depth > 0 || !cold.controller.queue.runningKeys.isEmpty
                    || server.requestLog.all.filter({ $0.verb == "watch" }).isEmpty {
                try await Task.sleep(for: .milliseconds(5))
            }
            coldSeconds = Measure.seconds(ContinuousClock.now - start)
            coldWrites = server.requestLog.writes.filter { $0.resource != "events" }.count
            group.cancelAll()
        }
        await cold.shutdown()
        try? await client.shutdown()
        await server.stop()

        print("routes: \(routes) (latency), \(max(routes, coldRoutes)) (cold sync)")
        print(String(format: "apply→Ready latency: p50 %.1f ms, p99 %.1f ms", Measure.quantile(latencies, 0.5), Measure.quantile(latencies, 0.99)))
        print(String(format: "API requests per route (create to Ready, watches and Events excluded): %.1f", requestsPerRoute))
        print("writes in a steady-state resync of \(routes) routes: \(steadyWrites)")
        print(String(format: "cold sync of %d routes: %.2f s, %d writes; peak RSS %.0f MiB (before: %.0f MiB; KubeLocal in-process)",
                     max(routes, coldRoutes), coldSeconds, coldWrites, Measure.peakRSSMiB(), rssBefore))
    }
}

/// Instants per route name, shared between the benchmark's tasks.
final class Stamps: Sendable {
    let times = Mutex<[String: ContinuousClock.Instant]>([:])
}
