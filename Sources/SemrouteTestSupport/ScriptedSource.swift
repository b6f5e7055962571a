import KubeClient
import KubeCore
import KubeRuntime
import Synchronization

/// A list/watch source whose answers the test scripts step by step.
public final class ScriptedSource: ListWatchSource, Sendable {
    public typealias Events = AsyncThrowingStream<WatchEvent, any Error>

    private struct State {
        var lists: [Result<ObjectList, KubeError>] = []
        var watches: [Result<Events, KubeError>] = []
        var listCalls = 0
        var watchResourceVersions: [String] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Queues the answer of the next list call.
    public func enqueueList(_ items: [JSONValue], resourceVersion: String) {
        state.withLock { $0.lists.append(.success(ObjectList(items: items, resourceVersion: resourceVersion))) }
    }

    public func enqueueListFailure(_ error: KubeError) { state.withLock { $0.lists.append(.failure(error)) } }

    /// Queues a watch that delivers `events` and then ends cleanly (`end == nil`) or with `end`.
    public func enqueueWatch(_ events: [WatchEvent], end: KubeError? = nil) {
        let (stream, continuation) = Events.makeStream()
        for event in events { continuation.yield(event) }
        continuation.finish(throwing: end)
        state.withLock { $0.watches.append(.success(stream)) }
    }

    /// Queues a watch the test feeds through the returned continuation.
    public func enqueueOpenWatch() -> Events.Continuation {
        let (stream, continuation) = Events.makeStream()
        state.withLock { $0.watches.append(.success(stream)) }
        return continuation
    }

    public func enqueueWatchFailure(_ error: KubeError) { state.withLock { $0.watches.append(.failure(error)) } }

    public var listCalls: Int { state.withLock { $0.listCalls } }
    public var watchResourceVersions: [String] { state.withLock { $0.watchResourceVersions } }

    public func list() async throws -> ObjectList {
        let next = state.withLock { s -> Result<ObjectList, KubeError>? in
            s.listCalls += 1
            return s.lists.isEmpty ? nil : s.lists.removeFirst()
        }
        guard let next else { return try await hang() }
        return try next.get()
    }

    public func watch(resourceVersion: String) async throws -> Events {
        let next = state.withLock { s -> Result<Events, KubeError>? in
            s.watchResourceVersions.append(resourceVersion)
            return s.watches.isEmpty ? nil : s.watches.removeFirst()
        }
        guard let next else { return try await hang() }
        return try next.get()
    }

    /// Unscripted calls block until cancelled, like a quiet server.
    private func hang<T>() async throws -> T {
        let (stream, _) = AsyncStream<Never>.makeStream()
        for await _ in stream {}
        throw CancellationError()
    }
}
