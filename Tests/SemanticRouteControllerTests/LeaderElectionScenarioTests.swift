import KubeEnvtest
import KubeClient
import KubeCore
import KubeLocal
import KubeRuntime
import Logging
import ServiceLifecycle
import Testing
@testable import SemanticRouteController
import SemrouteTestSupport

@Suite("Scenarios against KubeLocal: two operator instances", .timeLimit(.minutes(10)), .uses(.localServer), .serialized, .enabled(if: UpstreamCRDs.available(), Comment(rawValue: UpstreamCRDs.missingReason())))
struct LeaderElectionScenarioTests {
    static func election(_ identity: String) -> LeaderElector.Configuration {
        LeaderElector.Configuration(namespace: "llm", name: "semroute-test", identity: identity,
                                    leaseDuration: .seconds(3), renewDeadline: .seconds(2), retryPeriod: .milliseconds(300))
    }

    @Test("one instance reconciles while the other stands by; stopping the leader hands over within the lease duration")
    func handover() async throws {
        try await ScenarioHarness.run { h in
            // Both instances run on one manual clock, which only the test moves: the lease timing is asserted on it,
            // not on the wall clock (a loaded machine made a 3 s wall-clock window flaky).
            let clock = ManualClock()
            let a = try await SemanticRouteOperator.make(client: h.client, configuration: .init(leaderElection: Self.election("a")),
                                                         clock: RuntimeClock(clock), logger: Logger(label: "a"))
            let b = try await SemanticRouteOperator.make(client: h.client, configuration: .init(leaderElection: Self.election("b")),
                                                         clock: RuntimeClock(clock), logger: Logger(label: "b"))
            func group(_ op: SemanticRouteOperator) -> ServiceGroup {
                ServiceGroup(configuration: .init(services: op.services.map { .init(service: $0) }, logger: Logger(label: "group")))
            }
            let groupA = group(a), groupB = group(b)
            // Both operators are shut down on every path: a dropped AsyncHTTPClient aborts the whole test process
            // (a failing wait here once crashed the run instead of failing this test).
            do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try? await groupA.run() }
                tasks.addTask { try? await groupB.run() }
                // Leadership changes wake the harness's waits, as store changes do.
                for op in [a, b] {
                    let changes = op.leaderElector!.leadershipChanges()
                    tasks.addTask { for await _ in changes { h.signal.bump() } }
                }
                try await h.until("one leader", seconds: 10) { (a.leaderElector?.isLeader ?? false) != (b.leaderElector?.isLeader ?? false) }
                #expect([a, b].filter { $0.leaderElector?.isLeader == true }.count == 1)

                try await h.create(try ReconcileScenarioTests.momRoute())
                try await h.until("the leader to program the route", seconds: 15) {
                    let route = h.op.informers[0].store.get(namespace: "llm", name: "mom")
                    let programmed = route?[path: "status", "conditions"]?.arrayValue?.first { $0["type"] == "Programmed" }
                    return programmed?["status"] == "True"
                }
                let (leader, leaderGroup, standby) = a.leaderElector?.isLeader == true ? (a, groupA, b) : (b, groupB, a)
                #expect(standby.isReady, "the standby's caches are synced too")
                #expect(leader.leaderElector?.isLeader == true)

                // The clock has not moved: the standby sleeps until its next try, at most one jittered retry period
                // (300 ms × 1.2) away. Once the leader has released the lease, that one try must win it: no wait for
                // the 3 s lease to expire.
                let stopped = clock.now
                await leaderGroup.triggerGracefulShutdown()
                try await h.until("the leader to release the lease", seconds: 60) { leader.leaderElector?.isLeader == false }
                #expect(standby.leaderElector?.isLeader == false)
                clock.advance(by: .milliseconds(360))
                try await h.until("the standby to take over", seconds: 60) { standby.leaderElector?.isLeader == true }
                #expect(stopped.duration(to: clock.now) < .seconds(3), "handover within the lease duration (on the operators' clock)")

                _ = try await h.client.patch(ManagedKinds.semanticRoutes, namespace: "llm", name: "mom",
                                             .merge(["spec": ["timeouts": ["request": "90s"]]]))
                try await h.until("the new leader to reconcile generation 2", seconds: 15) {
                    h.op.informers[0].store.get(namespace: "llm", name: "mom")?[path: "status", "observedGeneration"] == 2
                }
                h.server.requestLog.clear()
                try await h.settle()
                #expect(h.writes.isEmpty, "steady state with one active instance: \(h.writes)")
                await groupA.triggerGracefulShutdown()
                await groupB.triggerGracefulShutdown()
                tasks.cancelAll()
            }
            } catch {
                await a.shutdown()
                await b.shutdown()
                throw error
            }
            await a.shutdown()
            await b.shutdown()
        }
    }
}
