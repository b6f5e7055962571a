import KubeClient
import KubeCore
import Testing
@testable import KubeRuntime
import SemrouteTestSupport

@Suite("watcher state machine", .timeLimit(.minutes(2)))
struct WatcherTests {
    func gone() -> KubeError { KubeError(code: 410, status: Status(message: "too old resource version", reason: "Expired", code: 410)) }

    @Test("lists, watches from the list's resourceVersion, advances it on events and bookmarks, resumes after a clean end")
    func listWatchBookmarks() async throws {
        let source = ScriptedSource()
        source.enqueueList([object("a", rv: 3)], resourceVersion: "10")
        source.enqueueWatch([event(.added, object("b", rv: 11)), bookmark(rv: 15)])
        source.enqueueWatch([event(.deleted, object("a", rv: 16))])
        source.enqueueWatch([event(.modified, object("b", rv: 17))])
        let watcher = Watcher(source: source, clock: RuntimeClock(ManualClock()), logger: testLogger)
        var it = watcher.makeAsyncIterator()
        #expect(try await it.next() == .restarted([object("a", rv: 3)]))
        #expect(try await it.next() == .applied(object("b", rv: 11)))
        #expect(try await it.next() == .deleted(object("a", rv: 16)))
        #expect(try await it.next() == .applied(object("b", rv: 17)))
        #expect(source.watchResourceVersions == ["10", "15", "16"])
        #expect(source.listCalls == 1)
    }

    @Test("410 Gone during a watch relists and reports the fresh list as a restart, without backoff")
    func goneRelists() async throws {
        let source = ScriptedSource()
        source.enqueueList([object("a", rv: 3)], resourceVersion: "10")
        source.enqueueWatch([event(.modified, object("a", rv: 12))], end: gone())
        source.enqueueList([object("a", rv: 12), object("c", rv: 30)], resourceVersion: "31")
        source.enqueueWatchFailure(gone())
        source.enqueueList([object("c", rv: 30)], resourceVersion: "40")
        source.enqueueWatch([event(.added, object("d", rv: 41))])
        let clock = ManualClock()
        var it = Watcher(source: source, clock: RuntimeClock(clock), logger: testLogger).makeAsyncIterator()
        #expect(try await it.next() == .restarted([object("a", rv: 3)]))
        #expect(try await it.next() == .applied(object("a", rv: 12)))
        #expect(try await it.next() == .restarted([object("a", rv: 12), object("c", rv: 30)]))
        #expect(try await it.next() == .restarted([object("c", rv: 30)]))
        #expect(try await it.next() == .applied(object("d", rv: 41)))
        #expect(source.watchResourceVersions == ["10", "31", "40"])
        #expect(clock.now.offset == .zero)
    }

    @Test("a dropped connection backs off on the injected clock, then resumes from the last resourceVersion")
    func transportFailureBacksOff() async throws {
        let source = ScriptedSource()
        source.enqueueList([], resourceVersion: "10")
        source.enqueueWatch([event(.added, object("a", rv: 11))], end: .transport("connection reset"))
        source.enqueueWatch([event(.added, object("b", rv: 12))])
        let clock = ManualClock()
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(30), jitter: 0.5)
        var it = Watcher(source: source, backoff: backoff, clock: RuntimeClock(clock), logger: testLogger)
            .makeAsyncIterator()
        #expect(try await it.next() == .restarted([]))
        #expect(try await it.next() == .applied(object("a", rv: 11)))
        async let advanced: Duration = {
            await clock.waitForSleepers(1)
            let deadline = clock.nextDeadline!.offset
            clock.advanceToNextDeadline()
            return deadline
        }()
        #expect(try await it.next() == .applied(object("b", rv: 12)))
        let waited = await advanced
        #expect(waited >= .seconds(1) && waited < .seconds(1.5))
        #expect(source.watchResourceVersions == ["10", "11"])
    }

    @Test("consecutive failures back off exponentially; a long healthy period resets the backoff")
    func backoffGrowsAndResets() async throws {
        let source = ScriptedSource()
        source.enqueueList([], resourceVersion: "1")
        for _ in 0..<3 { source.enqueueWatchFailure(KubeError(code: 500, status: nil)) }
        let healthy = source.enqueueOpenWatch()
        source.enqueueWatchFailure(KubeError(code: 503, status: nil))
        source.enqueueWatch([event(.added, object("z", rv: 99))])
        let clock = ManualClock()
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(30), jitter: 0)
        var it = Watcher(source: source, backoff: backoff, resetBackoffAfter: .seconds(120),
                         clock: RuntimeClock(clock), logger: testLogger).makeAsyncIterator()
        #expect(try await it.next() == .restarted([]))
        async let waits: [Duration] = {
            var waits: [Duration] = []
            for _ in 0..<3 {
                await clock.waitForSleepers(1)
                let before = clock.now
                clock.advanceToNextDeadline()
                waits.append(before.duration(to: clock.now))
            }
            return waits
        }()
        healthy.yield(event(.added, object("a", rv: 2)))
        #expect(try await it.next() == .applied(object("a", rv: 2)))
        #expect(await waits == [.seconds(1), .seconds(2), .seconds(4)])
        // The watch stays healthy for longer than the reset period, then drops.
        clock.advance(by: .seconds(200))
        healthy.finish(throwing: KubeError.transport("reset"))
        async let afterReset: Duration = {
            var waits: [Duration] = []
            for _ in 0..<2 {
                await clock.waitForSleepers(1)
                let before = clock.now
                clock.advanceToNextDeadline()
                waits.append(before.duration(to: clock.now))
            }
            return waits.reduce(.zero, +)
        }()
        #expect(try await it.next() == .applied(object("z", rv: 99)))
        // First failure after the healthy period waits 1 s again, the next 2 s.
        #expect(await afterReset == .seconds(3))
    }

    @Test("429 with Retry-After waits at least as long as the server asked")
    func honoursRetryAfter() async throws {
        let source = ScriptedSource()
        source.enqueueListFailure(KubeError(code: 429, status: nil, retryAfterHeader: "7"))
        source.enqueueList([object("a", rv: 1)], resourceVersion: "1")
        let clock = ManualClock()
        var it = Watcher(source: source, backoff: Backoff(initial: .seconds(1), maximum: .seconds(2)),
                         clock: RuntimeClock(clock), logger: testLogger).makeAsyncIterator()
        async let waited: Duration = {
            await clock.waitForSleepers(1)
            let deadline = clock.nextDeadline!.offset
            clock.advanceToNextDeadline()
            return deadline
        }()
        #expect(try await it.next() == .restarted([object("a", rv: 1)]))
        #expect(await waited == .seconds(7))
        #expect(source.listCalls == 2)
    }

    @Test("cancellation ends the sequence, also while backing off")
    func cancellation() async throws {
        let source = ScriptedSource()
        source.enqueueListFailure(.transport("down"))
        let clock = ManualClock()
        let watcher = Watcher(source: source, clock: RuntimeClock(clock), logger: testLogger)
        let task = Task {
            var it = watcher.makeAsyncIterator()
            return try await it.next()
        }
        await clock.waitForSleepers(1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
