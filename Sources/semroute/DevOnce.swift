import Synchronization

/// A value set once and awaited by anyone (the classifier's bound ports, for the "ready" line). Waiting is
/// cancellable: a cancelled waiter gets nil.
final class DevOnce<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [Int: CheckedContinuation<Value?, Never>] = [:]
        var next = 0
    }

    private let state = Mutex(State())

    var value: Value? { state.withLock { $0.value } }

    func set(_ value: Value) {
        let waiters = state.withLock { s -> [CheckedContinuation<Value?, Never>] in
            guard s.value == nil else { return [] }
            s.value = value
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume(returning: value) }
    }

    func wait() async -> Value? {
        let id = state.withLock { s -> Int in
            s.next += 1
            return s.next
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Value?, Never>) in
                let now = state.withLock { s -> (Bool, Value?) in
                    if let v = s.value { return (true, v) }
                    if Task.isCancelled { return (true, nil) }
                    s.waiters[id] = c
                    return (false, nil)
                }
                if now.0 { c.resume(returning: now.1) }
            }
        } onCancel: {
            let w = state.withLock { $0.waiters.removeValue(forKey: id) }
            w?.resume(returning: nil)
        }
    }
}
