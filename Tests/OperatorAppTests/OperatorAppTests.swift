import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeClient
import KubeCore
import KubeLocal
import KubeRuntime
import Logging
import OperatorApp
import Prometheus
import SemanticRouteController
import Synchronization
import SemrouteTestSupport
import Testing

/// The operator's composition root run in process against KubeLocal, as `semroute operator` runs it: settings →
/// client → operator → health and metrics endpoints → one ServiceGroup.
@Suite("OperatorApp wiring, in process", .timeLimit(.minutes(10)), .uses(.localServer))
struct OperatorAppTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Ports as the HTTP servers report them once they listen.
    final class Ports: Sendable {
        let stream: AsyncStream<(String, Int)>
        let continuation: AsyncStream<(String, Int)>.Continuation
        init() { (stream, continuation) = AsyncStream.makeStream() }

        /// The ports of `count` servers, by the paths each serves.
        func first(_ count: Int) async -> [String: Int] {
            var out: [String: Int] = [:]
            for await (paths, port) in stream {
                out[paths] = port
                if out.count == count { break }
            }
            return out
        }
    }

    static func get(_ port: Int, _ path: String) async throws -> (Int, String, String?) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        let http = response as! HTTPURLResponse
        return (http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "Content-Type"))
    }

    @Test("health, readiness and metrics endpoints, leader election and a reconcile, all wired from settings")
    func wiring() async throws {
        let server = try await LocalAPIServer.start(.init(port: 0))
        let config = KubeConfig(server: URL(string: server.baseURL)!)
        let admin = try KubeClient(config: config, logger: Logger(label: "admin"))
        let ours = try String(contentsOf: Self.repoRoot.appendingPathComponent("crds/semroute.io_semanticroutes.yaml"), encoding: .utf8)
        try await server.registerCRD(try YAMLReader.documents(ours)[0])
        for ns in ["llm", "semroute-system"] {
            _ = try await admin.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
        }

        // Clients are shut down and the server stopped on every path (AsyncHTTPClient aborts on a dropped client).
        do {
            var flags = OperatorSettings.Flags()
            flags.healthAddr = "127.0.0.1:0"
            flags.metricsAddr = "127.0.0.1:0"
            flags.leaderElect = true
            flags.leaseNamespace = "semroute-system"
            let settings = try OperatorSettings(flags: flags, environment: [:])
            let ports = Ports()
            let app = try await OperatorApp.make(settings: settings, config: config, identity: "test-instance",
                                                 registry: PrometheusCollectorRegistry(), logger: Logger(label: "operator"),
                                                 onServing: { paths, port in ports.continuation.yield((paths, port)) })
            let routeChanges = app.op.informers[0].changes()
            let running = Task { try await app.run(handlingSignals: false) }
            defer { running.cancel() }  // on every path: the app then closes its client

            // The ports; if the app stops before serving, the stream ends and the lookup below fails.
            Task {
                let result = await running.result
                if case .failure(let error) = result { Issue.record("the operator stopped: \(error)") }
                ports.continuation.finish()
            }
            let bound = await ports.first(1)
            // Equal addresses share one server (`:0` twice is one address).
            let health = try #require(bound["/healthz,/readyz,/metrics"]), metrics = health
            #expect(try await Self.get(health, "/healthz").0 == 200)
            for informer in app.op.informers { await informer.store.waitUntilReady() }
            #expect(try await Self.get(health, "/readyz").0 == 200, "every store has synced")
            let scraped = try await Self.get(metrics, "/metrics")
            #expect(scraped.0 == 200)
            #expect(scraped.2?.hasPrefix("text/plain; version=0.0.4") == true)

            // The route reaches the controller through the informer and its status is written by this instance.
            let text = try String(contentsOf: Self.repoRoot.appendingPathComponent("manifests/samples/mom.yaml"), encoding: .utf8)
            _ = try await admin.create(ManagedKinds.semanticRoutes, namespace: "llm", try YAMLReader.documents(text)[0])
            var accepted = false
            for await change in routeChanges {
                guard case .applied(_, let route) = change else { continue }
                let conditions = route[path: "status", "conditions"]?.arrayValue ?? []
                if conditions.contains(where: { $0["type"] == "Accepted" && $0["status"] == "True" }) { accepted = true; break }
            }
            #expect(accepted)
            let lease = try await admin.get(.leases, namespace: "semroute-system", name: "semroute-operator")
            #expect(lease[path: "spec", "holderIdentity"] == "test-instance")

            running.cancel()
            _ = await running.result
            await #expect(throws: (any Error).self, "the endpoints close with the app") { try await Self.get(health, "/healthz") }
        } catch {
            try? await admin.shutdown()
            await server.stop()
            throw error
        }
        try await admin.shutdown()
        await server.stop()
    }
}
