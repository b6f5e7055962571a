import KubeClient
import Synchronization
import Testing
@testable import KubeRuntime
import SemrouteTestSupport

@Suite("work queue", .timeLimit(.minutes(2)))
struct WorkQueueTests {
    /// Runs `queue` in a child task while `body` drives it, then shuts it down and waits for it to return.
    func withRunningQueue(_ queue: WorkQueue<String>, process: @escaping @Sendable (String) async -> Void,
                          _ body: () async throws -> Void) async rethrows {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await queue.run(process) }
            do {
                try await body()
            } catch {
                queue.shutdown(drainTimeout: .zero)
                throw error
            }
            queue.shutdown(drainTimeout: .zero)
            try await group.waitForAll()
        }
    }

    @Test("a key added several times while queued is processed once")
    func dedupes() async throws {
        let clock = ManualClock()
        let queue = WorkQueue<String>(concurrency: 1, clock: RuntimeClock(clock))
        let seen = Recorder<String>()
        queue.add("a")
        queue.add("b")
        queue.add("a")
        #expect(queue.depth == 2)
        try await withRunningQueue(queue, process: { seen.append($0) }) {
            try await seen.waitFor(2)
            queue.add("c")
            try await seen.waitFor(3)
        }
        #expect(seen.values == ["a", "b", "c"])
    }

    @Test("a key is never processed twice at once; re-added while running, it runs once more afterwards")
    func noConcurrentSameKey() async throws {
        let queue = WorkQueue<String>(concurrency: 4, clock: RuntimeClock(ManualClock()))
        let started = Recorder<String>()
        let gate = Gate()
        let active = Mutex<(now: Int, max: Int)>((0, 0))
        try await withRunningQueue(queue, process: { key in
            active.withLock { $0.now += 1; $0.max = max($0.max, $0.now) }
            started.append(key)
            if started.values.count == 1 { await gate.wait() }
            active.withLock { $0.now -= 1 }
        }) {
            queue.add("a")
            try await started.waitFor(1)
            queue.add("a")
            queue.add("a")
            #expect(queue.runningKeys == ["a"])
            #expect(queue.depth == 0)
            gate.open()
            try await started.waitFor(2)
        }
        #expect(started.values == ["a", "a"])
        #expect(active.withLock { $0.max } == 1)
    }

    @Test("no more than `concurrency` keys run at a time")
    func boundedConcurrency() async throws {
        let queue = WorkQueue<String>(concurrency: 2, clock: RuntimeClock(ManualClock()))
        let started = Recorder<String>()
        let gates = ["a": Gate(), "b": Gate(), "c": Gate()]
        try await withRunningQueue(queue, process: { key in
            started.append(key)
            await gates[key]?.wait()
        }) {
            for key in ["a", "b", "c"] { queue.add(key) }
            try await started.waitFor(2)
            #expect(queue.runningKeys == ["a", "b"])
            #expect(queue.depth == 1)
            gates["a"]!.open()
            try await started.waitFor(3)
            #expect(queue.runningKeys == ["b", "c"])
            gates["b"]!.open()
            gates["c"]!.open()
        }
        // a and b are admitted first (their two workers may start in either order), c only once a finished.
        #expect(Set(started.values.prefix(2)) == ["a", "b"])
        #expect(started.values.last == "c" && started.values.count == 3)
    }

    @Test("a delayed key runs when the clock reaches its time, not before; an immediate add supersedes it")
    func delayed() async throws {
        let clock = ManualClock()
        let queue = WorkQueue<String>(concurrency: 1, clock: RuntimeClock(clock))
        let seen = Recorder<String>()
        try await withRunningQueue(queue, process: { seen.append($0) }) {
            queue.add("later", after: .seconds(5))
            queue.add("later", after: .seconds(9))  // the earlier request wins
            await clock.waitForSleeper(until: ManualClock.Instant(offset: .seconds(5)))
            clock.advance(by: .milliseconds(4999))
            #expect(seen.values.isEmpty)
            clock.advance(by: .milliseconds(1))
            try await seen.waitFor(1)
            queue.add("soon", after: .seconds(60))
            queue.add("soon")
            try await seen.waitFor(2)
        }
        #expect(seen.values == ["later", "soon"])
        #expect(queue.delayedCount == 0)
    }

    @Test("per-key backoff grows exponentially with jitter and resets on forget")
    func perKeyBackoff() {
        let queue = WorkQueue<String>(backoff: Backoff(initial: .milliseconds(10), maximum: .seconds(1), jitter: 0.5),
                                      clock: RuntimeClock(ManualClock()))
        var delays: [Duration] = []
        for _ in 0..<4 { delays.append(queue.addWithBackoff("k")) }
        for (n, delay) in delays.enumerated() {
            let base = Duration.milliseconds(10) * (1 << n)
            #expect(delay >= base && delay < base * 1.5, "attempt \(n): \(delay)")
        }
        #expect(queue.addWithBackoff("other") < .milliseconds(15))
        #expect(queue.failureCount("k") == 4)
        queue.forget("k")
        #expect(queue.failureCount("k") == 0)
        #expect(queue.addWithBackoff("k") < .milliseconds(15))
    }

    @Test("shutdown starts nothing new and waits for in-flight work to finish")
    func gracefulDrain() async throws {
        let queue = WorkQueue<String>(concurrency: 1, clock: RuntimeClock(ManualClock()))
        let started = Recorder<String>()
        let finished = Recorder<String>()
        let gate = Gate()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await queue.run { key in
                    started.append(key)
                    await gate.wait()
                    if !Task.isCancelled { finished.append(key) }
                }
            }
            queue.add("running")
            queue.add("queued")
            try await started.waitFor(1)
            queue.shutdown(drainTimeout: .seconds(30))
            gate.open()
            try await group.waitForAll()
        }
        #expect(started.values == ["running"])
        #expect(finished.values == ["running"])
    }

    @Test("in-flight work still running at the drain deadline is cancelled")
    func drainTimeout() async throws {
        let clock = ManualClock()
        let queue = WorkQueue<String>(concurrency: 1, clock: RuntimeClock(clock))
        let started = Recorder<String>()
        let cancelled = Recorder<Bool>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await queue.run { key in
                    started.append(key)
                    await Gate().wait()  // never opened: only cancellation ends it
                    cancelled.append(Task.isCancelled)
                }
            }
            queue.add("stuck")
            try await started.waitFor(1)
            queue.shutdown(drainTimeout: .seconds(10))
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(10))
            try await group.waitForAll()
        }
        #expect(cancelled.values == [true])
    }
}
