import KubeClient
import KubeCore
import KubeLocal
import Testing
@testable import KubeRuntime
import SemrouteTestSupport

/// The elector runs on a ``ManualClock``: it renews only when the test moves the clock, so a slow renewal on a
/// loaded machine cannot cost (and regain) the lease behind the test's back, which once showed as a second
/// reconcile of "a" after leadership came back.
@Suite("controller under leader election against KubeLocal", .timeLimit(.minutes(10)), .uses(.localServer))
struct ControllerLeadershipLocalTests {
    @Test("reconciles only while leading; a lost lease stops the controller with LeadershipLostError")
    func lostLeaseStopsController() async throws {
        try await withLocalServer { client, _ in
            _ = try await client.create(.configMaps, namespace: "default", configMap("a"))
            let clock = ManualClock()
            let elector = LeaderElector(client: client, configuration: .init(
                namespace: "default", name: "op", identity: "me", leaseDuration: .seconds(2),
                renewDeadline: .milliseconds(500), retryPeriod: .milliseconds(100), releaseOnShutdown: false),
                clock: RuntimeClock(clock), logger: testLogger)
            let informer = Informer(resource: .configMaps,
                                    source: KubeListWatch(client: client, resource: .configMaps, namespace: "default"),
                                    logger: testLogger)
            let seen = Recorder<String>()
            let controller = Controller(primary: informer, configuration: .init(name: "c", resyncPeriod: nil),
                                        leadership: elector, logger: testLogger) { request in
                seen.append(request.key.name)
                return .awaitChange
            }
            let outcome = try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask { try await elector.run(); return "elector" }
                group.addTask { try await informer.run(); return "informer" }
                group.addTask {
                    do {
                        try await controller.run()
                        return "returned"
                    } catch is LeadershipLostError {
                        return "lost"
                    }
                }
                try await seen.waitFor(1)
                #expect(elector.isLeader)
                // Someone else takes the lease (as after a network partition); our renewals now fail.
                var lease = try await client.get(.leases, namespace: "default", name: "op")
                lease["spec"]?["holderIdentity"] = "intruder"
                lease["spec"]?["leaseDurationSeconds"] = 3600
                _ = try await client.replace(.leases, namespace: "default", name: "op", lease)
                // Now let time pass: each renewal fails (the lease is the intruder's) until renewDeadline is over.
                group.addTask {
                    while !Task.isCancelled {
                        await clock.waitForSleepers(1)
                        clock.advanceToNextDeadline()
                        await Task.yield()
                    }
                    return "clock"
                }
                let first = try await group.next()
                group.cancelAll()
                return first
            }
            #expect(outcome == "lost")
            #expect(!elector.isLeader)
            #expect(seen.values == ["a"])
        }
    }
}
