import KubeClient
import KubeCore
import KubeLocal
import SemrouteTestSupport
import Testing
@testable import KubeRuntime

/// Leader election against KubeLocal on manual clocks: the lease's timing is asserted on the clocks the
/// electors read, not on the wall clock, so the test neither waits for a lease to expire nor depends on load.
/// Each candidate has its own clock (a lease is measured on *our* clock), and the test moves both in lock step.
@Suite("leader election against KubeLocal", .timeLimit(.minutes(10)), .uses(.localServer))
struct LeaderElectorLocalTests {
    static let retryPeriod = Duration.milliseconds(100)

    func config(_ identity: String, release: Bool, lease: Duration = .milliseconds(800)) -> LeaderElector.Configuration {
        LeaderElector.Configuration(namespace: "default", name: "semroute-leader", identity: identity, leaseDuration: lease,
                                    renewDeadline: .milliseconds(500), retryPeriod: Self.retryPeriod,
                                    releaseOnShutdown: release)
    }

    /// Two candidates, each on its own ``ManualClock``; the clocks show the same time at every step.
    struct Candidates {
        let a: LeaderElector
        let b: LeaderElector
        let clockA = ManualClock()
        let clockB = ManualClock()

        init(client: KubeClient, a: LeaderElector.Configuration, b: LeaderElector.Configuration) {
            self.a = LeaderElector(client: client, configuration: a, clock: RuntimeClock(clockA), logger: testLogger)
            self.b = LeaderElector(client: client, configuration: b, clock: RuntimeClock(clockB), logger: testLogger)
        }

        var now: Duration { clockA.now.offset }

        /// Advances both clocks to the earliest deadline either candidate sleeps until, and waits (on the clocks'
        /// sleepers, not on time) until every candidate that woke has done its round and sleeps again.
        /// `aRunning` says whether `a` still runs. Returns whether `a` woke (a renewal round when it leads).
        @discardableResult
        func step(aRunning: Bool = true) async throws -> Bool {
            let deadlines = [clockA.nextDeadline, clockB.nextDeadline].compactMap { $0 }
            let next = try #require(deadlines.min(), "no candidate sleeps on its clock")
            let aWakes = aRunning && clockA.nextDeadline.map { $0 <= next } == true
            let bWakes = clockB.nextDeadline.map { $0 <= next } == true
            let delta = clockA.now.duration(to: next)
            clockA.advance(by: delta)
            clockB.advance(by: delta)
            if aWakes {
                // The leader's loop sleeps exactly one retry period after each round; a standby's retry sleep is
                // jittered, so wait for "a sleeps again" by its exact deadline when it leads, by count otherwise.
                let clockA = clockA, a = a
                try await withDeadline(.seconds(60), "candidate a to finish its round") {
                    if a.isLeader {
                        await clockA.waitForSleeper(until: next.advanced(by: LeaderElectorLocalTests.retryPeriod))
                    } else {
                        await clockA.waitForSleepers(1)
                    }
                }
            }
            if bWakes {
                let clockB = clockB, b = b
                try await withDeadline(.seconds(60), "candidate b to finish its round") {
                    if b.isLeader {
                        await clockB.waitForSleeper(until: next.advanced(by: LeaderElectorLocalTests.retryPeriod))
                    } else {
                        await clockB.waitForSleepers(1)
                    }
                }
            }
            return aWakes
        }
    }

    @Test("two candidates: exactly one leads; the other takes over once the lease expired after renewals stop, not before")
    func takeover() async throws {
        try await withLocalServer { client, _ in
            let c = Candidates(client: client, a: config("a", release: false), b: config("b", release: false))
            let bChanges = c.b.leadershipChanges()
            let runA = Task { try await c.a.run() }
            await c.a.waitForLeadership()
            try await withDeadline(.seconds(60), "a to sleep after acquiring") { await c.clockA.waitForSleepers(1) }
            let runB = Task { try await c.b.run() }
            try await withDeadline(.seconds(60), "b to sleep after its first try") { await c.clockB.waitForSleepers(1) }

            // While the leader keeps renewing, the standby never leads: well past the lease duration (1 s on the
            // Lease, 800 ms rounded up) of clock time.
            var lastRenewal = Duration.zero
            var renewals = 0
            while c.now < .seconds(3) {
                if try await c.step() { lastRenewal = c.now; renewals += 1 }
                #expect(c.a.isLeader)
                #expect(!c.b.isLeader, "b led at \(c.now) while a renewed (last at \(lastRenewal))")
            }
            #expect(renewals >= 25, "a renews every retry period; saw \(renewals) renewals in 3 s")

            runA.cancel()
            _ = try? await runA.value
            #expect(!c.a.isLeader)
            // a stopped without releasing: b takes over only once the lease is 1 s old on its clock, counted from
            // when it last saw the record change (a's last renewal, or at most one jittered retry later).
            while !c.b.isLeader {
                #expect(c.now - lastRenewal < .seconds(3), "b never took over")
                if c.now - lastRenewal >= .seconds(3) { break }
                try await c.step(aRunning: false)
            }
            let takeover = c.now - lastRenewal
            #expect(takeover >= .seconds(1), "b must wait for the lease to expire, took over \(takeover) after a's last renewal")
            #expect(takeover < .seconds(1) + Self.retryPeriod * 1.2 * 2, "took over \(takeover) after a's last renewal")
            var changes = bChanges.makeAsyncIterator()
            #expect(await changes.next() == true)
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
            let c = Candidates(client: client, a: config("a", release: true, lease: long),
                               b: config("b", release: true, lease: long))
            let runA = Task { try await c.a.run() }
            await c.a.waitForLeadership()
            try await withDeadline(.seconds(60), "a to sleep after acquiring") { await c.clockA.waitForSleepers(1) }
            let runB = Task { try await c.b.run() }
            try await withDeadline(.seconds(60), "b to sleep after its first try") { await c.clockB.waitForSleepers(1) }
            for _ in 0..<6 { try await c.step() }
            #expect(c.a.isLeader && !c.b.isLeader)

            runA.cancel()
            _ = try? await runA.value
            let stopped = c.now
            // The released lease is free: b takes it at its next try, one jittered retry period at most, far
            // inside the 30 s lease.
            while !c.b.isLeader, c.now - stopped <= Self.retryPeriod * 1.2 {
                try await c.step(aRunning: false)
            }
            #expect(c.b.isLeader && !c.a.isLeader, "b did not take over within one retry period of a's release")
            #expect(c.now - stopped <= Self.retryPeriod * 1.2)
            runB.cancel()
            _ = try? await runB.value
            #expect(!c.b.isLeader)
        }
    }
}
