import KubeCore
import Synchronization

/// The cache of one watched kind: one writer (its ``Informer``), any number of readers.
/// A relist replaces the contents atomically; readers never see a half-applied list. Ready once the first list
/// has been applied. Indexes map an index value to the objects that produce it (e.g. owner uid → children).
public final class Store: Sendable {
    /// Computes the values an object is indexed under.
    public typealias IndexFunction = @Sendable (JSONValue) -> [String]

    private struct State {
        var objects: [ObjectKey: JSONValue] = [:]
        var indexed: [String: [String: Set<ObjectKey>]] = [:]
        var ready = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    public let indexers: [String: IndexFunction]
    private let state = Mutex(State())

    public init(indexers: [String: IndexFunction] = [:]) {
        self.indexers = indexers
        state.withLock { s in for name in indexers.keys { s.indexed[name] = [:] } }
    }

    // MARK: Readers

    public func get(_ key: ObjectKey) -> JSONValue? { state.withLock { $0.objects[key] } }

    public func get(namespace: String?, name: String) -> JSONValue? { get(ObjectKey(namespace: namespace, name: name)) }

    /// Every object, ordered by key.
    public func list() -> [JSONValue] {
        state.withLock { s in s.objects.sorted { $0.key < $1.key }.map(\.value) }
    }

    public func keys() -> [ObjectKey] { state.withLock { $0.objects.keys.sorted() } }

    public var count: Int { state.withLock { $0.objects.count } }

    /// Objects indexed under `value` by the index `name` (empty for an unknown index).
    public func byIndex(_ name: String, _ value: String) -> [JSONValue] {
        state.withLock { s in
            (s.indexed[name]?[value] ?? []).sorted().compactMap { s.objects[$0] }
        }
    }

    /// How many objects are indexed under `value` (no copy, no sort: cheap enough for a gauge per reconcile).
    public func count(index name: String, value: String) -> Int {
        state.withLock { s in s.indexed[name]?[value]?.count ?? 0 }
    }

    /// `body` over every object, in no particular order, without copying or sorting them.
    public func reduce<T: Sendable>(into initial: T, _ body: (inout T, JSONValue) -> Void) -> T {
        state.withLock { s in s.objects.values.reduce(into: initial, body) }
    }

    public func keys(index name: String, value: String) -> [ObjectKey] {
        state.withLock { s in (s.indexed[name]?[value] ?? []).sorted() }
    }

    /// True once the first complete list has been applied.
    public var isReady: Bool { state.withLock { $0.ready } }

    /// Returns once the store is ready (or at once if the task is cancelled).
    public func waitUntilReady() async {
        let id = state.withLock { s -> Int in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.ready || Task.isCancelled { return true }
                    s.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    // MARK: Writer

    /// Applies one watcher event and returns what changed, for fan-out to controllers.
    @discardableResult
    func apply(_ event: WatcherEvent) -> [StoreChange] {
        var waiters: [CheckedContinuation<Void, Never>] = []
        let changes = state.withLock { s -> [StoreChange] in
            switch event {
            case .applied(let object):
                guard let key = ObjectKey(object: object) else { return [] }
                let old = replace(&s, key: key, with: object)
                if let old, Self.sameVersion(old, object) { return [] }
                return [.applied(old: old, new: object)]
            case .deleted(let object):
                guard let key = ObjectKey(object: object) else { return [] }
                let old = replace(&s, key: key, with: nil)
                return [.deleted(old ?? object)]
            case .restarted(let objects):
                var fresh: [ObjectKey: JSONValue] = [:]
                for object in objects { if let key = ObjectKey(object: object) { fresh[key] = object } }
                var changes: [StoreChange] = []
                for (key, old) in s.objects where fresh[key] == nil { changes.append(.deleted(old)) }
                for key in fresh.keys.sorted() {
                    let new = fresh[key]!
                    let old = s.objects[key]
                    if let old, Self.sameVersion(old, new) { continue }
                    changes.append(.applied(old: old, new: new))
                }
                s.objects = fresh
                for name in indexers.keys { s.indexed[name] = [:] }
                for (key, object) in fresh { addToIndexes(&s, key: key, object: object) }
                if !s.ready {
                    s.ready = true
                    waiters = Array(s.waiters.values)
                    s.waiters = [:]
                }
                return changes
            }
        }
        for waiter in waiters { waiter.resume() }
        return changes
    }

    private func replace(_ s: inout State, key: ObjectKey, with object: JSONValue?) -> JSONValue? {
        let old = s.objects[key]
        if let old { removeFromIndexes(&s, key: key, object: old) }
        s.objects[key] = object
        if let object { addToIndexes(&s, key: key, object: object) }
        return old
    }

    private func addToIndexes(_ s: inout State, key: ObjectKey, object: JSONValue) {
        for (name, function) in indexers {
            for value in Set(function(object)) { s.indexed[name]![value, default: []].insert(key) }
        }
    }

    private func removeFromIndexes(_ s: inout State, key: ObjectKey, object: JSONValue) {
        for (name, function) in indexers {
            for value in Set(function(object)) {
                s.indexed[name]![value]?.remove(key)
                if s.indexed[name]![value]?.isEmpty == true { s.indexed[name]![value] = nil }
            }
        }
    }

    static func sameVersion(_ a: JSONValue, _ b: JSONValue) -> Bool {
        guard let rv = a[path: "metadata", "resourceVersion"]?.stringValue, !rv.isEmpty else { return a == b }
        return rv == b[path: "metadata", "resourceVersion"]?.stringValue
    }
}

/// One change to a store, as seen by controllers.
public enum StoreChange: Sendable, Hashable {
    case applied(old: JSONValue?, new: JSONValue)
    case deleted(JSONValue)

    public var object: JSONValue {
        switch self {
        case .applied(_, let new): new
        case .deleted(let old): old
        }
    }
}

/// Ready-made index functions.
public enum Indexers {
    /// Index name used by controllers to map owned objects to owners.
    public static let ownerUIDName = "ownerUID"

    /// `metadata.ownerReferences[*].uid`.
    public static let ownerUID: Store.IndexFunction = { object in
        (object[path: "metadata", "ownerReferences"]?.arrayValue ?? []).compactMap { $0["uid"]?.stringValue }
    }

    /// The value of label `key`, if present.
    public static func label(_ key: String) -> Store.IndexFunction {
        { object in object[path: "metadata", "labels", key]?.stringValue.map { [$0] } ?? [] }
    }

    /// `metadata.namespace`.
    public static let namespace: Store.IndexFunction = { object in
        object[path: "metadata", "namespace"]?.stringValue.map { [$0] } ?? []
    }
}
