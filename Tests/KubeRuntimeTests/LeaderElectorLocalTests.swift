import KubeClient
import KubeCore
import KubeLocal
import Testing
@testable import KubeRuntime

@Suite("leader election against KubeLocal")
struct LeaderElectorLocalTests {
    func config(_ identity: String, release: Bool, lease: Duration = .milliseconds(800)) -> LeaderElector.Configuration {
        LeaderElector.Configuration(namespace: "default", name: "semroute-leader", identity: identity, leaseDuration: lease,
                                    renewDeadline: .milliseconds(500), retryPeriod: .milliseconds(100),
                                    releaseOnShutdown: release)
    }

    /// Waits until the lease was renewed `count` more times by `holder` (watching the Lease object).
    func awaitRenewals(_ client: KubeClient, holder: String, count: Int) async throws {
        let rv = try await client.list(.leases, namespace: "default").resourceVersion
        var seen = 0
        for try await event in try await client.watch(.leases, namespace: "default", options: WatchOptions(resourceVersion: rv))
        where event.type == .modified && event.object[path: "spec", "holderIdentity"]?.stringValue == holder {
            seen += 1
            if seen == count { return }
        }
    }

    @Test("two candidates: exactly one leads; the other takes over within the lease duration after renewals stop")
    func takeover() async throws {
        try await withLocalServer { client, _ in
            let a = LeaderElector(client: client, configuration: config("a", release: false), logger: testLogger)
            let b = LeaderElector(client: client, configuration: config("b", release: false), logger: testLogger)
            let bChanges = b.leadershipChanges()
            let runA = Task { try await a.run() }
            await a.waitForLeadership()
            let runB = Task { try await b.run() }
            // While the leader keeps renewing, the standby never leads.
            try await awaitRenewals(client, holder: "a", count: 4)
            #expect(a.isLeader)
            #expect(!b.isLeader)

            let stopped = ContinuousClock.now
            runA.cancel()
            _ = try? await runA.value
            #expect(!a.isLeader)
            var it = bChanges.makeAsyncIterator()
            #expect(await it.next() == true)
            let takeover = ContinuousClock.now - stopped
            #expect(takeover > .milliseconds(500), "b must wait for the lease to expire, took \(takeover)")
            #expect(takeover < .milliseconds(800) + .milliseconds(600), "took \(takeover)")
            let lease = try await client.get(.leases, namespace: "default", name: "semroute-leader")
            #expect(lease[path: "spec", "holderIdentity"] == "b")
            #expect(lease[path: "spec", "leaseTransitions"] == 1)
            runB.cancel()
            _ = try? await runB.value
        }
    }

    @Test("a leader that shuts down releases the lease, so the standby takes over without waiting for expiry")
    func releaseOnShutdown() async throws {
        try await withLocalServer { client, _ in
            let long = Duration.seconds(30)
            let a = LeaderElector(client: client, configuration: config("a", release: true, lease: long), logger: testLogger)
            let b = LeaderElector(client: client, configuration: config("b", release: true, lease: long), logger: testLogger)
            let runA = Task { try await a.run() }
            await a.waitForLeadership()
            let runB = Task { try await b.run() }
            try await awaitRenewals(client, holder: "a", count: 2)
            let stopped = ContinuousClock.now
            runA.cancel()
            _ = try? await runA.value
            await b.waitForLeadership()
            #expect(ContinuousClock.now - stopped < .seconds(5))
            #expect(b.isLeader && !a.isLeader)
            runB.cancel()
            _ = try? await runB.value
            #expect(!b.isLeader)
        }
    }
}
