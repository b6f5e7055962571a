import KubeClient
import KubeCore
import Logging
import Synchronization
@testable import KubeRuntime

/// A list/watch source whose answers the test scripts step by step.
final class ScriptedSource: ListWatchSource, Sendable {
    typealias Events = AsyncThrowingStream<WatchEvent, any Error>

    private struct State {
        var lists: [Result<ObjectList, KubeError>] = []
        var watches: [Result<Events, KubeError>] = []
        var listCalls = 0
        var watchResourceVersions: [String] = []
    }

    private let state = Mutex(State())

    /// Queues the answer of the next list call.
    func enqueueList(_ items: [JSONValue], resourceVersion: String) {
        state.withLock { $0.lists.append(.success(ObjectList(items: items, resourceVersion: resourceVersion))) }
    }

    func enqueueListFailure(_ error: KubeError) { state.withLock { $0.lists.append(.failure(error)) } }

    /// Queues a watch that delivers `events` and then ends cleanly (`end == nil`) or with `end`.
    func enqueueWatch(_ events: [WatchEvent], end: KubeError? = nil) {
        let (stream, continuation) = Events.makeStream()
        for event in events { continuation.yield(event) }
        continuation.finish(throwing: end)
        state.withLock { $0.watches.append(.success(stream)) }
    }

    /// Queues a watch the test feeds through the returned continuation.
    func enqueueOpenWatch() -> Events.Continuation {
        let (stream, continuation) = Events.makeStream()
        state.withLock { $0.watches.append(.success(stream)) }
        return continuation
    }

    func enqueueWatchFailure(_ error: KubeError) { state.withLock { $0.watches.append(.failure(error)) } }

    var listCalls: Int { state.withLock { $0.listCalls } }
    var watchResourceVersions: [String] { state.withLock { $0.watchResourceVersions } }

    func list() async throws -> ObjectList {
        let next = state.withLock { s -> Result<ObjectList, KubeError>? in
            s.listCalls += 1
            return s.lists.isEmpty ? nil : s.lists.removeFirst()
        }
        guard let next else { return try await hang() }
        return try next.get()
    }

    func watch(resourceVersion: String) async throws -> Events {
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

func object(_ name: String, rv: Int, namespace: String? = "ns", generation: Int? = nil, labels: [String: String] = [:],
            owners: [(kind: String, name: String, uid: String)] = []) -> JSONValue {
    var meta = JSONObject([("name", .string(name)), ("resourceVersion", .string(String(rv)))])
    if let namespace { meta["namespace"] = .string(namespace) }
    if let generation { meta["generation"] = JSONValue(generation) }
    if !labels.isEmpty { meta["labels"] = .object(JSONObject(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })) }
    meta["uid"] = .string("uid-\(name)")
    if !owners.isEmpty {
        meta["ownerReferences"] = .array(owners.map {
            ["apiVersion": "semroute.io/v1alpha1", "kind": .string($0.kind), "name": .string($0.name), "uid": .string($0.uid)]
        })
    }
    return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(meta)]
}

func event(_ type: WatchEvent.EventType, _ object: JSONValue) -> WatchEvent { WatchEvent(type: type, object: object) }

func bookmark(rv: Int) -> WatchEvent {
    WatchEvent(type: .bookmark, object: ["kind": "ConfigMap", "metadata": ["resourceVersion": .string(String(rv))]])
}

let testLogger = Logger(label: "test")

/// Collects values from concurrent tasks and lets a test await the n-th one.
final class Recorder<Value: Sendable>: Sendable {
    private let state = Mutex<(values: [Value], waiters: [(Int, CheckedContinuation<Void, Never>)])>(([], []))

    func append(_ value: Value) {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.values.append(value)
            let count = s.values.count
            let ready = s.waiters.filter { $0.0 <= count }.map(\.1)
            s.waiters.removeAll { $0.0 <= count }
            return ready
        }
        for r in ready { r.resume() }
    }

    var values: [Value] { state.withLock { $0.values } }

    /// Returns once at least `count` values were recorded.
    func waitFor(_ count: Int) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.values.count >= count { return true }
                s.waiters.append((count, c))
                return false
            }
            if now { c.resume() }
        }
    }

    /// Returns once the recorded values satisfy `condition` (checked again after every append).
    func waitUntil(_ condition: ([Value]) -> Bool) async {
        while true {
            let snapshot = values
            if condition(snapshot) { return }
            await waitFor(snapshot.count + 1)
        }
    }
}

/// A gate a task waits at until the test opens it.
final class Gate: Sendable {
    private let latch = Latch()
    func open() { latch.open() }
    func wait() async { await latch.wait() }
}
