import Synchronization

/// Collects values from concurrent tasks and lets a test await the n-th one, with a deadline: a value that never
/// comes fails the test with a ``WaitTimeout`` naming the count it waited for, instead of hanging it.
public final class Recorder<Value: Sendable>: Sendable {
    private enum Outcome { case reached, timedOut, cancelled }

    private struct Waiter {
        var count: Int
        var continuation: CheckedContinuation<Outcome, Never>
    }

    private struct State {
        var values: [Value] = []
        var waiters: [Int: Waiter] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func append(_ value: Value) {
        let ready = state.withLock { s -> [CheckedContinuation<Outcome, Never>] in
            s.values.append(value)
            let count = s.values.count
            let ready = s.waiters.filter { $0.value.count <= count }
            for id in ready.keys { s.waiters[id] = nil }
            return ready.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: .reached) }
    }

    public var values: [Value] { state.withLock { $0.values } }

    /// Returns once at least `count` values were recorded; throws ``WaitTimeout`` after `limit`.
    public func waitFor(_ count: Int, within limit: Duration = defaultWaitLimit,
                        file: String = #fileID, line: UInt = #line) async throws {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        let timer = Task {
            do { try await Task.sleep(for: limit) } catch { return }
            self.state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: .timedOut)
        }
        defer { timer.cancel() }
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let now: Outcome? = state.withLock { s in
                    if s.values.count >= count { return .reached }
                    if Task.isCancelled { return .cancelled }
                    s.waiters[id] = Waiter(count: count, continuation: continuation)
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: .cancelled)
        }
        switch outcome {
        case .reached: return
        case .cancelled: throw CancellationError()
        case .timedOut:
            let have = values.count
            throw WaitTimeout(what: "\(count) recorded values (have \(have))", limit: limit, file: file, line: line)
        }
    }

    /// Returns once the recorded values satisfy `condition` (checked again after every append); throws
    /// ``WaitTimeout`` when they do not within `limit`.
    public func waitUntil(within limit: Duration = defaultWaitLimit, file: String = #fileID, line: UInt = #line,
                          _ condition: ([Value]) -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while true {
            let snapshot = values
            if condition(snapshot) { return }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                throw WaitTimeout(what: "a condition on \(snapshot.count) recorded values", limit: limit, file: file, line: line)
            }
            do {
                try await waitFor(snapshot.count + 1, within: left, file: file, line: line)
            } catch is WaitTimeout {
                throw WaitTimeout(what: "a condition on \(values.count) recorded values", limit: limit, file: file, line: line)
            }
        }
    }
}
