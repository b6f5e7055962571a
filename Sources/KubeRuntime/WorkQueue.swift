import KubeClient
import Metrics
import Synchronization

/// A queue of keys to process (client-go workqueue / kube-runtime scheduler):
///
/// - a key added while queued is queued once (dedup);
/// - a key is never processed twice at once: added while processing, it runs again right after;
/// - at most `concurrency` keys are processed at a time;
/// - `add(_:after:)` delays a key (the earliest request wins; an immediate add supersedes a delay);
/// - `addWithBackoff` delays by the key's own exponential, jittered backoff until `forget` resets it;
/// - `shutdown()` stops taking keys off the queue, lets in-flight work finish, and cancels it after the
///   drain timeout.
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    private struct State {
        var ready: [Key] = []
        var readySet: Set<Key> = []
        var delayed: [Key: Duration] = [:]
        var running: Set<Key> = []
        var dirty: Set<Key> = []
        var failures: [Key: Int] = [:]
        var shutdownDeadline: Duration?
    }

    public let concurrency: Int
    public let backoff: Backoff
    public let clock: RuntimeClock
    private let state = Mutex(State())
    private let signal = Signal()
    private let stopped = Latch()
    private let depthGauge: Gauge?

    public init(concurrency: Int = 1, backoff: Backoff = .reconcile, clock: RuntimeClock = .continuous,
                depthGauge: Gauge? = nil) {
        self.concurrency = max(1, concurrency)
        self.backoff = backoff
        self.clock = clock
        self.depthGauge = depthGauge
    }

    /// Keys waiting to run now (not delayed, not running).
    public var depth: Int { state.withLock { $0.ready.count } }
    public var delayedCount: Int { state.withLock { $0.delayed.count } }
    public var runningKeys: Set<Key> { state.withLock { $0.running } }
    public var isShuttingDown: Bool { state.withLock { $0.shutdownDeadline != nil } }
    public func failureCount(_ key: Key) -> Int { state.withLock { $0.failures[key] ?? 0 } }

    /// Queues `key` to run as soon as a worker is free.
    public func add(_ key: Key) {
        state.withLock { s in
            s.delayed[key] = nil
            enqueue(&s, key)
        }
        signal.notify()
    }

    /// Queues `key` to run after `delay` (unless it is already queued to run sooner).
    public func add(_ key: Key, after delay: Duration) {
        guard delay > .zero else { return add(key) }
        let due = clock.now + delay
        state.withLock { s in
            if s.readySet.contains(key) || s.dirty.contains(key) { return }
            if let existing = s.delayed[key], existing <= due { return }
            s.delayed[key] = due
        }
        signal.notify()
    }

    /// Queues `key` after its per-key backoff (or `atLeast`, when that is longer: a server's `Retry-After`), and
    /// counts a failure for it. Returns the delay used.
    @discardableResult
    public func addWithBackoff(_ key: Key, atLeast minimum: Duration? = nil) -> Duration {
        let attempt = state.withLock { s -> Int in
            let n = s.failures[key] ?? 0
            s.failures[key] = n + 1
            return n
        }
        let delay = max(backoff.delay(attempt: attempt), minimum ?? .zero)
        add(key, after: delay)
        return delay
    }

    /// Resets the failure count of `key` (after a success or a terminal error).
    public func forget(_ key: Key) {
        state.withLock { _ = $0.failures.removeValue(forKey: key) }
    }

    /// Stops dispatching; ``run(_:)`` returns once in-flight work finished, or cancels it after `drainTimeout`.
    public func shutdown(drainTimeout: Duration = .seconds(30)) {
        let deadline = clock.now + drainTimeout
        state.withLock { s in if s.shutdownDeadline == nil { s.shutdownDeadline = deadline } }
        stopped.open()
        signal.notify()
    }

    /// Returns once ``shutdown(drainTimeout:)`` has been called (or the task is cancelled).
    public func waitForShutdown() async { await stopped.wait() }

    private func enqueue(_ s: inout State, _ key: Key) {
        if s.running.contains(key) {
            s.dirty.insert(key)
        } else if s.readySet.insert(key).inserted {
            s.ready.append(key)
        }
        depthGauge?.record(s.ready.count)
    }

    private enum Next {
        case dispatch([Key])
        case wait(until: Duration?)
        case drain(deadline: Duration)
        case finished
    }

    private func nextStep(inflight: Int) -> Next {
        state.withLock { s in
            let now = clock.now
            for (key, due) in s.delayed where due <= now {
                s.delayed[key] = nil
                enqueue(&s, key)
            }
            if let deadline = s.shutdownDeadline {
                return inflight == 0 ? .finished : .drain(deadline: deadline)
            }
            var keys: [Key] = []
            while inflight + keys.count < concurrency, !s.ready.isEmpty {
                let key = s.ready.removeFirst()
                s.readySet.remove(key)
                s.running.insert(key)
                keys.append(key)
            }
            depthGauge?.record(s.ready.count)
            if !keys.isEmpty { return .dispatch(keys) }
            return .wait(until: s.delayed.values.min())
        }
    }

    private func finished(_ key: Key) {
        state.withLock { s in
            s.running.remove(key)
            if s.dirty.remove(key) != nil { enqueue(&s, key) }
        }
    }

    /// Processes keys until ``shutdown(drainTimeout:)`` (or cancellation, which cancels in-flight work).
    public func run(_ process: @escaping @Sendable (Key) async -> Void) async {
        await withTaskGroup(of: Key?.self) { group in
            var inflight = 0
            var waiting = false
            var cancelled = false
            loop: while true {
                if Task.isCancelled, !isShuttingDown { shutdown(drainTimeout: .zero) }
                switch nextStep(inflight: inflight) {
                case .finished:
                    break loop
                case .dispatch(let keys):
                    for key in keys {
                        inflight += 1
                        group.addTask {
                            await process(key)
                            return key
                        }
                    }
                    continue loop
                case .wait(let until):
                    if !waiting {
                        waiting = true
                        group.addTask { [signal, clock] in
                            await Self.wake(signal: signal, clock: clock, at: until)
                            return nil
                        }
                    }
                case .drain(let deadline):
                    if clock.now >= deadline {
                        // Out of patience: cancel in-flight work and wait for it to return.
                        if !cancelled {
                            cancelled = true
                            group.cancelAll()
                        }
                    } else if !waiting {
                        waiting = true
                        group.addTask { [signal, clock] in
                            await Self.wake(signal: signal, clock: clock, at: deadline)
                            return nil
                        }
                    }
                }
                guard let result = await group.next() else { break loop }
                if let key = result {
                    inflight -= 1
                    finished(key)
                } else {
                    waiting = false
                }
            }
            group.cancelAll()
        }
    }

    /// Returns on a signal, at `deadline`, or on cancellation, whichever is first.
    private static func wake(signal: Signal, clock: RuntimeClock, at deadline: Duration?) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await signal.wait() }
            if let deadline { group.addTask { try? await clock.sleep(until: deadline) } }
            await group.next()
            group.cancelAll()
        }
    }
}
