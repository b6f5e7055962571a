import Synchronization

/// A wait in a test ran past its deadline. Thrown instead of hanging, so the test fails with what it waited for.
public struct WaitTimeout: Error, CustomStringConvertible {
    public var what: String
    public var limit: Duration
    public var file: String
    public var line: UInt

    public init(what: String, limit: Duration, file: String = #fileID, line: UInt = #line) {
        self.what = what
        self.limit = limit
        self.file = file
        self.line = line
    }

    public var description: String { "timed out after \(limit) waiting for \(what) (\(file):\(line))" }
}

/// The deadline test waits use unless told otherwise: generous, so a loaded 2-core machine running the suite
/// in parallel does not trip it, yet bounded, so a lost event fails the test instead of hanging it.
public let defaultWaitLimit: Duration = .seconds(60)

/// Runs `body` and returns its result, or throws ``WaitTimeout`` once `limit` has passed (cancelling `body`).
/// Unlike a task group, this does not wait for a `body` that ignores cancellation: the test fails on time.
public func withDeadline<T: Sendable>(_ limit: Duration = defaultWaitLimit, _ what: String,
                                      file: String = #fileID, line: UInt = #line,
                                      _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            race.start(continuation, body: body, limit: limit,
                       timeout: WaitTimeout(what: what, limit: limit, file: file, line: line))
        }
    } onCancel: {
        race.cancel()
    }
}

/// The two tasks of ``withDeadline(_:_:file:line:_:)``: the first to finish resumes the caller, the other is cancelled.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var tasks: [Task<Void, Never>] = []
        var cancelled = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>, body: @escaping @Sendable () async throws -> T,
               limit: Duration, timeout: WaitTimeout) {
        let work = Task {
            do { self.finish(.success(try await body())) } catch { self.finish(.failure(error)) }
        }
        let timer = Task {
            do { try await Task.sleep(for: limit) } catch { return }
            self.finish(.failure(timeout))
        }
        let cancelled = state.withLock { s -> Bool in
            s.continuation = continuation
            s.tasks = [work, timer]
            return s.cancelled
        }
        if cancelled { cancel() }
    }

    func cancel() {
        let tasks = state.withLock { s -> [Task<Void, Never>] in
            s.cancelled = true
            return s.tasks
        }
        for task in tasks { task.cancel() }
        finish(.failure(CancellationError()))
    }

    private func finish(_ result: Result<T, any Error>) {
        let (continuation, tasks) = state.withLock { s -> (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) in
            defer { s.continuation = nil }
            return (s.continuation, s.tasks)
        }
        guard let continuation else { return }
        for task in tasks { task.cancel() }
        continuation.resume(with: result)
    }
}
