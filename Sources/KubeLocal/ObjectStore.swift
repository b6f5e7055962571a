import Foundation
import KubeCore
import Logging

/// The single owner of every object: one global resourceVersion counter, the recent change history and the
/// open watches. All REST semantics that must be atomic (optimistic concurrency, generation, finalizers, garbage
/// collection, namespace deletion) run inside this actor; HTTP handlers stay thin.
actor ObjectStore {
    /// What a watch stream carries.
    enum WatchItem: Sendable {
        case event(WatchEvent)
        /// The connection is to be cut (fault injection): the response ends abruptly.
        case drop
    }

    struct Watcher {
        var type: ResourceType
        var namespace: String?
        var labels: LabelSelector
        var fields: FieldSelector
        var continuation: AsyncStream<WatchItem>.Continuation
        var bookmarks: Bool
    }

    var registry = ResourceRegistry()
    /// storeKey → "namespace/name" → object (kept in the storage version).
    var objects: [String: [String: JSONValue]] = [:]
    var revision: Int64 = 0
    var history: EventHistory
    var watchers: [Int: Watcher] = [:]
    var nextWatcherID = 0
    /// Set by ``close()``: the server is stopping and new watches end at once.
    var closed = false
    let logger: Logger

    init(historyCapacity: Int, logger: Logger) {
        history = EventHistory(capacity: historyCapacity)
        self.logger = logger
        let now = JSONValue.string(Timestamp.string(Timestamp.now()))
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            revision += 1
            let ns: JSONValue = [
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": ["name": .string(name), "uid": .string(UUID().uuidString.lowercased()),
                             "resourceVersion": .string(String(revision)), "creationTimestamp": now,
                             "labels": ["kubernetes.io/metadata.name": .string(name)]],
                "spec": ["finalizers": ["kubernetes"]], "status": ["phase": "Active"],
            ]
            objects["namespaces", default: [:]][Self.objectKey(nil, name)] = ns
            history.append(.init(revision: revision, storeKey: "namespaces", type: .added, object: ns, previous: nil))
        }
    }

    static func objectKey(_ namespace: String?, _ name: String) -> String { "\(namespace ?? "")/\(name)" }

    /// Replaces the served types (used when loading a snapshot).
    func type(group: String, version: String, plural: String) -> ResourceType? {
        registry.type(group: group, version: version, plural: plural)
    }

    func currentRegistry() -> ResourceRegistry { registry }

    func currentRevision() -> Int64 { revision }

    // MARK: - Reading

    func get(_ type: ResourceType, namespace: String?, name: String) throws(APIError) -> JSONValue {
        guard let object = objects[type.storeKey]?[Self.objectKey(namespace, name)] else {
            throw .notFound(type.plural, group: type.group, name: name)
        }
        return Self.converted(object, to: type)
    }

    struct ListResult: Sendable {
        var items: [JSONValue]
        var resourceVersion: String
        var continueToken: String?
        var remainingItemCount: Int?
    }

    func list(_ type: ResourceType, namespace: String?, labels: LabelSelector, fields: FieldSelector,
              limit: Int?, continueToken: String?) throws(APIError) -> ListResult {
        var startAfter: String?
        if let continueToken, !continueToken.isEmpty {
            guard let data = Data(base64Encoded: continueToken), let key = String(data: data, encoding: .utf8) else {
                throw .badRequest("continue key is not valid: illegal base64 data")
            }
            startAfter = key
        }
        let all = (objects[type.storeKey] ?? [:])
            .filter { key, object in
                (namespace == nil || key.hasPrefix(namespace! + "/")) && (startAfter == nil || key > startAfter!)
                    && Self.matches(object, labels, fields)
            }
            .sorted { $0.key < $1.key }
        var page = all
        var token: String?
        var remaining: Int?
        if let limit, limit > 0, all.count > limit {
            page = Array(all.prefix(limit))
            token = Data(page.last!.key.utf8).base64EncodedString()
            remaining = all.count - limit
        }
        return ListResult(items: page.map { Self.converted($0.value, to: type) }, resourceVersion: String(revision),
                          continueToken: token, remainingItemCount: remaining)
    }

    static func labels(of object: JSONValue) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in object[path: "metadata", "labels"]?.objectValue ?? JSONObject() { out[k] = v.stringValue ?? "" }
        return out
    }

    static func matches(_ object: JSONValue, _ labels: LabelSelector, _ fields: FieldSelector) -> Bool {
        (labels.isEmpty || labels.matches(Self.labels(of: object))) && fields.matches(object)
    }

    /// The object as served in the requested version (versions share one schema-less conversion: `None`).
    static func converted(_ object: JSONValue, to type: ResourceType) -> JSONValue {
        if type.isEventsV1View { return EventConversion.eventsV1(from: object) }
        var o = object
        if o["apiVersion"]?.stringValue != type.api.apiVersion { o["apiVersion"] = .string(type.api.apiVersion) }
        return o
    }

    // MARK: - Change notification

    func nextRevision() -> Int64 {
        revision += 1
        return revision
    }

    /// Records a change and sends it to every watch it concerns (ADDED/DELETED when an object enters/leaves a
    /// watch's selectors, as kube-apiserver's watch cache does).
    func emit(_ type: WatchEvent.EventType, storeKey: String, object: JSONValue, previous: JSONValue?) {
        history.append(.init(revision: revision, storeKey: storeKey, type: type, object: object, previous: previous))
        for watcher in watchers.values where watcher.type.storeKey == storeKey {
            if let event = Self.event(for: watcher, type: type, object: object, previous: previous) {
                watcher.continuation.yield(.event(event))
            }
        }
    }

    static func event(for watcher: Watcher, type: WatchEvent.EventType, object: JSONValue,
                      previous: JSONValue?) -> WatchEvent? {
        func selected(_ o: JSONValue?) -> Bool {
            guard let o else { return false }
            if let ns = watcher.namespace, o[path: "metadata", "namespace"]?.stringValue != ns { return false }
            return matches(o, watcher.labels, watcher.fields)
        }
        let now = selected(object)
        switch type {
        case .modified:
            let before = selected(previous)
            if now && before { return WatchEvent(type: .modified, object: converted(object, to: watcher.type)) }
            if now { return WatchEvent(type: .added, object: converted(object, to: watcher.type)) }
            if before { return WatchEvent(type: .deleted, object: converted(object, to: watcher.type)) }
            return nil
        default:
            return now ? WatchEvent(type: type, object: converted(object, to: watcher.type)) : nil
        }
    }

    // MARK: - Watching

    struct WatchRequest: Sendable {
        var type: ResourceType
        var namespace: String?
        var labels = LabelSelector()
        var fields = FieldSelector()
        var resourceVersion: String?
        var bookmarks = false
        var sendInitialEvents = false
    }

    /// Opens a watch. The stream first carries the events the request asks to replay (current objects for an
    /// empty or `0` resourceVersion, the kept history after a given one), then live changes. A resourceVersion
    /// older than the kept history yields one `ERROR` event with a 410 `Expired` Status, then the stream ends.
    func watch(_ request: WatchRequest) throws(APIError) -> (id: Int, stream: AsyncStream<WatchItem>) {
        let (stream, continuation) = AsyncStream<WatchItem>.makeStream()
        if closed {
            continuation.finish()
            return (0, stream)
        }
        nextWatcherID += 1
        let id = nextWatcherID
        let watcher = Watcher(type: request.type, namespace: request.namespace, labels: request.labels,
                              fields: request.fields, continuation: continuation, bookmarks: request.bookmarks)
        let rv = request.resourceVersion ?? ""
        if rv.isEmpty || rv == "0" || request.sendInitialEvents {
            let current = (objects[request.type.storeKey] ?? [:]).sorted { $0.key < $1.key }
            for (_, object) in current {
                if let e = Self.event(for: watcher, type: .added, object: object, previous: nil) {
                    continuation.yield(.event(e))
                }
            }
            if request.sendInitialEvents && request.bookmarks {
                continuation.yield(.event(bookmark(for: request.type, initialEventsEnd: true)))
            }
        } else {
            guard let from = Int64(rv) else { throw .badRequest("invalid resource version: \(rv)") }
            guard history.covers(after: from) else {
                let status = APIError.expired("too old resource version: \(from) (\(history.oldestRetained + 1))")
                continuation.yield(.event(WatchEvent(type: .error, object: status.json)))
                continuation.finish()
                return (id, stream)
            }
            for entry in history.entries(after: from) where entry.storeKey == request.type.storeKey {
                if let e = Self.event(for: watcher, type: entry.type, object: entry.object, previous: entry.previous) {
                    continuation.yield(.event(e))
                }
            }
        }
        watchers[id] = watcher
        return (id, stream)
    }

    func bookmark(for type: ResourceType, initialEventsEnd: Bool = false) -> WatchEvent {
        var metadata: JSONValue = ["resourceVersion": .string(String(revision)), "creationTimestamp": .null]
        if initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
        return WatchEvent(type: .bookmark, object: [
            "kind": .string(type.kind), "apiVersion": .string(type.api.apiVersion), "metadata": metadata,
        ])
    }

    /// Sends a BOOKMARK at the current resourceVersion to one watch (if it asked for bookmarks) or to all.
    func sendBookmarks(to id: Int? = nil) {
        for (wid, watcher) in watchers where watcher.bookmarks && (id == nil || id == wid) {
            watcher.continuation.yield(.event(bookmark(for: watcher.type)))
        }
    }

    /// Ends one watch cleanly (timeoutSeconds).
    func endWatch(_ id: Int) {
        watchers.removeValue(forKey: id)?.continuation.finish()
    }

    /// Cuts every open watch (fault injection): clients see the connection end without a clean close.
    func dropAllWatches() -> Int {
        let all = watchers
        watchers = [:]
        for w in all.values {
            w.continuation.yield(.drop)
            w.continuation.finish()
        }
        return all.count
    }

    /// Ends every watch and makes later watches end at once: the server is shutting down.
    func close() {
        closed = true
        _ = dropAllWatches()
    }

    var watcherCount: Int { watchers.count }
}
