import Foundation
import KubeClient
import KubeCore
import KubeEnvtest
import KubeRuntime
import KubeSimulation
import Logging
@testable import SemanticRouteController
import ServiceLifecycle
import Synchronization
import Testing
import SemanticRouteRender

/// The operator as `semroute operator` runs it (informers, controller; leader election when configured), in
/// this process against the real server, acting as the `semroute-operator` user under the shipped ClusterRole
/// (`manifests/rbac/cluster_role.yaml`). Optionally with the Deployment-status stand-in that `semroute dev`
/// runs (no kubelet here: pods never start).
final class OperatorRun: Sendable {
    let op: SemanticRouteOperator
    let client: KubeClient
    private let task: Task<Void, any Error>
    private let stopped = Mutex(false)

    private init(op: SemanticRouteOperator, client: KubeClient, task: Task<Void, any Error>) {
        self.op = op
        self.client = client
        self.task = task
    }

    /// Starts an operator; it is stopped by the ``Scenario`` it belongs to, also when the test fails.
    static func start(in scenario: Scenario, leaderElection: LeaderElector.Configuration? = nil,
                      simulateDeployments: Bool = true) async throws -> OperatorRun {
        let run = try await start(leaderElection: leaderElection, simulateDeployments: simulateDeployments)
        scenario.adopt(run)
        return run
    }

    private static func start(leaderElection: LeaderElector.Configuration?, simulateDeployments: Bool) async throws -> OperatorRun {
        let client = try RealServer.client(as: .operatorUser, label: "operator")
        let op = try await SemanticRouteOperator.make(
            client: client, configuration: .init(leaderElection: leaderElection), logger: Logger(label: "operator"))
        let simulator = simulateDeployments ? try RealServer.client(as: .otherManager, label: "simulator") : nil
        let task = Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for service in op.services { group.addTask { try await service.run() } }
                    if let simulator { group.addTask { try await Self.simulateDeployments(simulator) } }
                    try await group.next()
                    group.cancelAll()
                }
            } catch {
                try? await simulator?.shutdown()
                throw error
            }
            try? await simulator?.shutdown()
        }
        return OperatorRun(op: op, client: client, task: task)
    }

    /// What the Deployment controller and kubelet would write: the stand-in `semroute dev` runs.
    private static func simulateDeployments(_ client: KubeClient) async throws {
        let simulator = WorkloadSimulator(client: client, now: { "2026-12-01T12:00:00Z" }, logger: Logger(label: "simulator"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in simulator.services { group.addTask { try await service.run() } }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Stops the services (the informers' watches end, the queue drains) and closes the clients. Idempotent.
    func stop() async {
        guard stopped.withLock({ (s: inout Bool) -> Bool in defer { s = true }; return !s }) else { return }
        task.cancel()
        _ = await task.result
        await op.shutdown()
        try? await client.shutdown()
    }

    /// Waits until the controller has caught up: at least `after` more reconciles finished than `since`, nothing
    /// queued or running, and every store holds what the server holds (so the watch events of its own writes
    /// have arrived and were handled).
    func converged(since: Int = 0, after: Int = 1, seconds: Double = 60) async throws {
        let admin = try RealServer.client(label: "converged")
        defer { Task { try? await admin.shutdown() } }
        try await Self.until("the operator to converge", seconds: seconds) {
            let controller = self.op.controller
            guard controller.isReady, controller.finishedReconciles >= since + after, controller.queue.depth == 0,
                  controller.queue.runningKeys.isEmpty, controller.queue.delayedCount == 0 else { return false }
            for informer in self.op.informers {
                let server = try await admin.listAll(informer.resource)
                let stored = Set(informer.store.list().compactMap(Self.version))
                let managed = server.items.filter {
                    informer.resource == .secrets || informer.resource.plural == "semanticroutes"
                        || RouteLabels.isManaged(ApplyPlanner.labels($0))
                }
                guard Set(managed.compactMap(Self.version)).isSubset(of: stored) else { return false }
            }
            return controller.queue.depth == 0 && controller.queue.runningKeys.isEmpty
        }
    }

    static func version(_ object: JSONValue) -> String? {
        guard let name = object[path: "metadata", "name"]?.stringValue,
              let rv = object[path: "metadata", "resourceVersion"]?.stringValue else { return nil }
        return "\(object[path: "metadata", "namespace"]?.stringValue ?? "")/\(name)@\(rv)"
    }

    /// Re-checks `condition` every 25 ms until it holds or `seconds` pass: the state checked is another
    /// process's (the API server's) and a queue's, which offer no event to wait for.
    static func until(_ what: String, seconds: Double = 30, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            if try await condition() { return }
            guard ContinuousClock.now < deadline else { throw WaitTimeout(what: what) }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    struct WaitTimeout: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }
}

/// One test's world on the real server: its fixtures (namespaces of its own), an admin client and the operators
/// it starts. ``run(_:route:secret:_:)`` tears all of it down whether the test passes, fails or throws, so a
/// failing test never leaves a client to be deinitialised unclosed (which would crash the whole test process).
final class Scenario: Sendable {
    let fixtures: RealServerFixtures
    let admin: KubeClient
    private let runs = Mutex<[OperatorRun]>([])
    private let clients = Mutex<[KubeClient]>([])

    private init(fixtures: RealServerFixtures, admin: KubeClient) {
        self.fixtures = fixtures
        self.admin = admin
    }

    func adopt(_ run: OperatorRun) { runs.withLock { $0.append(run) } }

    /// Another client (as `user`), closed with the scenario.
    func client(as user: ControlPlane.User, label: String) throws -> KubeClient {
        let c = try RealServer.client(as: user, label: label)
        clients.withLock { $0.append(c) }
        return c
    }

    /// Creates the prerequisites of fixture `prefix` (and the sample route unless `route` is false), grants the
    /// operator's RBAC, runs `body`, then stops every operator and closes every client.
    static func run(_ prefix: String, route: Bool = true, secret: Bool = true,
                    _ body: (Scenario) async throws -> Void) async throws {
        let admin = try RealServer.client()
        let scenario = Scenario(fixtures: RealServerFixtures(prefix: prefix), admin: admin)
        do {
            try await RealServerFixtures.grantOperatorRBAC(admin)
            for object in try scenario.fixtures.prerequisites(secret: secret) { try await RealServerFixtures.create(admin, object) }
            if route { try await RealServerFixtures.create(admin, try scenario.fixtures.route()) }
            try await body(scenario)
        } catch {
            await scenario.tearDown()
            throw error
        }
        await scenario.tearDown()
    }

    private func tearDown() async {
        for run in runs.withLock({ $0 }) { await run.stop() }
        for c in clients.withLock({ $0 }) { try? await c.shutdown() }
        try? await admin.shutdown()
    }
}
