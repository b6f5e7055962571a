import Foundation
import KubeClient
import KubeCore
import KubeLocal
import KubeRuntime
import KubeSimulation
import Logging
import Synchronization
import SemanticRouteAPI
@testable import SemanticRouteController
import SemanticRouteRender

/// KubeLocal over HTTP with the real upstream CRDs and ours registered, a client, and the operator's informers
/// running; reconciles are driven one at a time so every step can be asserted from the request log.
/// No sleeps: ``settle()`` waits (with a deadline) for change events until every store matches the server.
final class ScenarioHarness: Sendable {
    let server: LocalAPIServer
    let client: KubeClient
    let op: SemanticRouteOperator
    let signal = ChangeSignal()

    struct Timeout: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }

    static let namespaces = ["llm", "models", "envoy-gateway-system"]

    private init(server: LocalAPIServer, client: KubeClient, op: SemanticRouteOperator) {
        self.server = server
        self.client = client
        self.op = op
    }

    /// Runs `body` with a started server, namespaces, the references of mom.yaml (unless `references` is false)
    /// and the operator's informers synced.
    static func run(references: Bool = true, controller: Bool = false,
                    configuration: SemanticRouteOperator.Configuration = .init(),
                    _ body: @Sendable (ScenarioHarness) async throws -> Void) async throws {
        let server = try await LocalAPIServer.start(.init(port: 0))
        let client = try KubeClient(config: KubeConfig(server: URL(string: server.baseURL)!),
                                    retryPolicy: RetryPolicy(maxAttempts: 1), requestTimeout: .seconds(20),
                                    logger: Logger(label: "scenario"))
        do {
            try await server.registerCRDs(fromDirectory: ControllerFixtures.upstreamDirectory.path)
            let ours = try String(contentsOf: ControllerFixtures.repoRoot.appendingPathComponent("crds/semroute.io_semanticroutes.yaml"), encoding: .utf8)
            try await server.registerCRD(try YAMLReader.documents(ours)[0])
            for ns in namespaces {
                _ = try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
            }
            if references {
                for object in ControllerFixtures.momReferences() { try await create(client, object) }
            }
            let op = try await SemanticRouteOperator.make(client: client, configuration: configuration, logger: Logger(label: "operator"))
            let harness = ScenarioHarness(server: server, client: client, op: op)
            do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for informer in op.informers {
                    let stream = informer.changes()
                    group.addTask { for await _ in stream { harness.signal.bump() } }
                    group.addTask { try await informer.run() }
                }
                if controller {
                    group.addTask { try await op.controller.run() }
                    // The Deployment controller + kubelet stand-in `semroute dev` runs.
                    let simulator = WorkloadSimulator(client: client, now: { "2026-11-25T12:00:00Z" }, logger: Logger(label: "sim"))
                    for service in simulator.services { group.addTask { try await service.run() } }
                }
                do {
                    try await harness.settle()
                    try await body(harness)
                } catch {
                    group.cancelAll()
                    throw error
                }
                group.cancelAll()
            }
            } catch {
                await op.shutdown()
                throw error
            }
            await op.shutdown()
        } catch {
            try? await client.shutdown()
            await server.stop()
            throw error
        }
        try? await client.shutdown()
        await server.stop()
    }

    static func resource(of object: JSONValue) -> APIResource {
        ManagedKinds.resource(of: object) ?? .configMaps
    }

    @discardableResult
    static func create(_ client: KubeClient, _ object: JSONValue) async throws -> JSONValue {
        try await client.create(resource(of: object), namespace: object[path: "metadata", "namespace"]?.stringValue, object)
    }

    @discardableResult
    func create(_ object: JSONValue) async throws -> JSONValue { try await Self.create(client, object) }

    /// Waits until `condition` holds, re-checking on every store change, for at most `seconds`.
    func until(_ what: String, seconds: Double = 10, _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            let seen = signal.count
            if try await condition() { return }
            guard ContinuousClock.now < deadline else { throw Timeout(what: what) }
            await signal.wait(since: seen, until: deadline)
        }
    }

    /// Waits until every informer's store holds exactly what the server holds (names and resourceVersions).
    func settle() async throws {
        try await until("stores to match the server") {
            for informer in self.op.informers {
                guard informer.store.isReady else { return false }
                let list = try await self.client.listAll(informer.resource)
                let server = Set(list.items.compactMap(Self.version))
                let store = Set(informer.store.list().compactMap(Self.version))
                // Label-filtered stores hold a subset: compare what they hold, and that nothing of theirs is missing.
                if !store.isSubset(of: server) { return false }
                let managed = Set(list.items.filter { RouteLabels.isManaged(ApplyPlanner.labels($0)) }.compactMap(Self.version))
                if !managed.isSubset(of: store) { return false }
                if informer.resource == ManagedKinds.semanticRoutes || informer.resource == .secrets, store != server { return false }
            }
            return true
        }
        server.requestLog.clear()
    }

    static func version(_ object: JSONValue) -> String? {
        guard let ns = object[path: "metadata", "namespace"]?.stringValue, let name = object[path: "metadata", "name"]?.stringValue,
              let rv = object[path: "metadata", "resourceVersion"]?.stringValue else { return nil }
        return "\(ns)/\(name)@\(rv)"
    }

    /// One reconcile of llm/mom, then settle (so the next step sees its own writes).
    @discardableResult
    func reconcile(_ name: String = "mom") async throws -> ReconcileAction {
        let result = try await op.reconciler.reconcile(namespace: "llm", name: name)
        return result
    }

    /// Writes done since the last clear, as `verb resource[/subresource] ns/name`.
    var writes: [String] {
        server.requestLog.writes.filter { $0.resource != "events" }.map { e in
            "\(e.verb) \(e.resource)\(e.subresource.map { "/\($0)" } ?? "") \(e.namespace ?? "")/\(e.name ?? "")"
        }
    }

    /// Events created or updated since the last clear.
    var eventWrites: Int { server.requestLog.writes.filter { $0.resource == "events" }.count }

    func route(_ name: String = "mom") async throws -> JSONValue {
        try await client.get(ManagedKinds.semanticRoutes, namespace: "llm", name: name)
    }

    func condition(_ type: ConditionType, _ name: String = "mom") async throws -> JSONValue? {
        try await route(name)[path: "status", "conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type.rawValue }
    }

    /// What the Deployment controller + kubelet would write, through the status subresource.
    func simulateDeployment(_ name: String = "mom-classifier") async throws {
        let d = try await client.get(.deployments, namespace: "llm", name: name)
        guard let status = DeploymentSimulation.status(for: d, now: "2026-11-25T12:00:00Z") else { return }
        _ = try await client.patch(.deployments, namespace: "llm", name: name, .merge(["status": status]), subresource: .status)
    }
}

/// Wakes waiters when any store changes (or their deadline passes): the event-driven wait of the harness.
final class ChangeSignal: Sendable {
    private let state = Mutex<(count: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    var count: Int { state.withLock { $0.count } }

    func bump() {
        let waiters = state.withLock { s in
            s.count += 1
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    /// Returns after the next change following `since`, or at `deadline`.
    func wait(since: Int, until deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now = self.state.withLock { s -> Bool in
                        if s.count != since { return true }
                        s.waiters.append(c)
                        return false
                    }
                    if now { c.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(until: deadline)
                self.bump()
            }
            await group.next()
            group.cancelAll()
        }
    }
}

extension ScenarioHarness {
    /// Creates `route` (mom.yaml by default) and brings it to Ready: finalizer, apply, simulated Deployment, status.
    func readyRoute(_ route: JSONValue? = nil) async throws {
        try await create(route ?? ReconcileScenarioTests.momRoute())
        try await settle()
        try await reconcile()
        try await settle()
        try await reconcile()
        try await settle()
        try await simulateDeployment()
        try await settle()
        try await reconcile()
        try await settle()
    }

    func get(_ resource: APIResource, _ namespace: String, _ name: String) async throws -> JSONValue? {
        do { return try await client.get(resource, namespace: namespace, name: name) } catch KubeError.notFound { return nil }
    }
}
