import KubeRuntime
import KubeClient
import KubeCore
import Synchronization
@testable import SemanticRouteController
import SemanticRouteRender

/// An in-memory stand-in for the stores + API server, for reconciler unit tests (the scenario tests run
/// against KubeLocal over HTTP). Apply deep-merges like server-side apply for the fields we send; every
/// write is logged so tests can assert "no writes".
final class FakeCluster: ClusterSnapshot, ClusterWriter, RouteEventSink, Sendable {
    struct Write: Hashable, CustomStringConvertible {
        var verb: String
        var key: ObjectRef
        var description: String { "\(verb) \(key)" }
    }

    struct State {
        var objects: [ObjectRef: JSONValue] = [:]
        var writes: [Write] = []
        var gets = 0
        var events: [RouteEvent] = []
        var failures: [String: [KubeError]] = [:]
        var resourceVersion = 10
        var servedKinds: Set<RouteReference.Kind> = Set(RouteReference.Kind.allCases)
    }

    let state = Mutex(State())

    init(_ objects: [JSONValue] = []) {
        state.withLock { s in
            for o in objects { if let k = ObjectRef(o) { s.objects[k] = o } }
        }
    }

    var writes: [Write] { state.withLock { $0.writes } }
    var events: [RouteEvent] { state.withLock { $0.events } }
    func object(_ key: ObjectRef) -> JSONValue? { state.withLock { $0.objects[key] } }
    func put(_ object: JSONValue) { state.withLock { s in if let k = ObjectRef(object) { s.objects[k] = object } } }
    func remove(_ key: ObjectRef) { _ = state.withLock { $0.objects.removeValue(forKey: key) } }
    func clearLog() { state.withLock { $0.writes = []; $0.events = [] } }
    /// The next `verb` call (apply, delete, status, finalizers, get) fails with `failure`.
    func failNext(_ verb: String, _ failure: KubeError) { state.withLock { $0.failures[verb, default: []].append(failure) } }
    func setServed(_ kinds: Set<RouteReference.Kind>) { state.withLock { $0.servedKinds = kinds } }

    static func routeKey(_ namespace: String, _ name: String) -> ObjectRef {
        ObjectRef(apiVersion: "semroute.io/v1alpha1", kind: "SemanticRoute", namespace: namespace, name: name)
    }

    private func take(_ verb: String, _ key: ObjectRef) throws(KubeError) {
        let failure: KubeError? = state.withLock { s in
            guard var list = s.failures[verb], !list.isEmpty else { return nil }
            let f = list.removeFirst()
            s.failures[verb] = list
            return f
        }
        if let failure { throw failure }
    }

    private func log(_ verb: String, _ key: ObjectRef) {
        state.withLock { $0.writes.append(Write(verb: verb, key: key)) }
    }

    // MARK: ClusterSnapshot

    func route(namespace: String, name: String) -> JSONValue? { object(Self.routeKey(namespace, name)) }

    func routes() -> [JSONValue] {
        state.withLock { $0.objects.filter { $0.key.kind == "SemanticRoute" }.map(\.value) }
    }

    func managed(_ key: ObjectRef) -> JSONValue? {
        guard let o = object(key), RouteLabels.isManaged(ApplyPlanner.labels(o)) else { return nil }
        return o
    }

    func managedObjects(routeLabel: String) -> [JSONValue] {
        state.withLock { $0.objects.values.filter { RouteLabels.belongs(ApplyPlanner.labels($0), to: routeLabel) } }
    }

    func allManaged() -> [JSONValue] {
        state.withLock { $0.objects.values.filter { RouteLabels.isManaged(ApplyPlanner.labels($0)) } }
    }

    func managedClientTrafficPolicies() -> [JSONValue] {
        state.withLock { $0.objects.values.filter { $0["kind"] == "ClientTrafficPolicy" && RouteLabels.isManaged(ApplyPlanner.labels($0)) } }
    }

    func referenced(_ kind: RouteReference.Kind, namespace: String, name: String) -> JSONValue? {
        let apiVersion = kind == .gateway ? "gateway.networking.k8s.io/v1" : "v1"
        return object(ObjectRef(apiVersion: apiVersion, kind: kind.rawValue, namespace: namespace, name: name))
    }

    func servedReferenceKinds() -> Set<RouteReference.Kind> { state.withLock { $0.servedKinds } }

    func clientTrafficPolicies(namespace: String) -> [JSONValue] {
        state.withLock { $0.objects.filter { $0.key.kind == "ClientTrafficPolicy" && $0.key.namespace == namespace }.map(\.value) }
    }

    // MARK: ClusterWriter

    func get(_ key: ObjectRef) throws(KubeError) -> JSONValue? {
        try take("get", key)
        state.withLock { $0.gets += 1 }
        return object(key)
    }

    func apply(_ key: ObjectRef, _ body: JSONValue) throws(KubeError) -> JSONValue {
        try take("apply", key)
        log("apply", key)
        return state.withLock { s in
            s.resourceVersion += 1
            var merged = Self.merge(s.objects[key] ?? .object(JSONObject()), body)
            merged = merged.setting(["metadata", "resourceVersion"], .string(String(s.resourceVersion)))
            s.objects[key] = merged
            return merged
        }
    }

    func delete(_ key: ObjectRef) throws(KubeError) {
        try take("delete", key)
        log("delete", key)
        state.withLock { s in
            guard let o = s.objects[key] else { return }
            if (o[path: "metadata", "finalizers"]?.arrayValue ?? []).isEmpty {
                s.objects[key] = nil
            } else {
                s.objects[key] = o.setting(["metadata", "deletionTimestamp"], "2026-01-01T00:00:00Z")
            }
        }
    }

    func setFinalizers(namespace: String, name: String, _ finalizers: [String], resourceVersion: String?)
        throws(KubeError) -> JSONValue {
        let key = Self.routeKey(namespace, name)
        try take("finalizers", key)
        log("finalizers", key)
        return try state.withLock { s throws(KubeError) -> JSONValue in
            guard let o = s.objects[key] else { throw KubeError(code: 404, status: Status(message: "not found", reason: "NotFound", code: 404)) }
            if o[path: "metadata", "deletionTimestamp"] != nil, finalizers.isEmpty {
                s.objects[key] = nil
                return o
            }
            s.resourceVersion += 1
            let updated = o.setting(["metadata", "finalizers"], JSONValue(finalizers))
                .setting(["metadata", "resourceVersion"], .string(String(s.resourceVersion)))
            s.objects[key] = updated
            return updated
        }
    }

    func removeAnnotation(namespace: String, name: String, key annotation: String, ifValue value: String) throws(KubeError) {
        let key = Self.routeKey(namespace, name)
        try take("annotations", key)
        log("annotations", key)
        state.withLock { s in
            guard let o = s.objects[key], var annotations = o[path: "metadata", "annotations"]?.objectValue,
                  annotations[annotation]?.stringValue == value else { return }
            annotations[annotation] = nil
            s.resourceVersion += 1
            s.objects[key] = o.setting(["metadata", "annotations"], .object(annotations))
                .setting(["metadata", "resourceVersion"], .string(String(s.resourceVersion)))
        }
    }

    func writeStatus(namespace: String, name: String, _ status: JSONValue) throws(KubeError) -> JSONValue {
        let key = Self.routeKey(namespace, name)
        try take("status", key)
        log("status", key)
        return state.withLock { s in
            let updated = (s.objects[key] ?? .null).setting(["status"], status)
            s.objects[key] = updated
            return updated
        }
    }

    // MARK: RouteEventSink

    func record(_ event: RouteEvent) async { state.withLock { $0.events.append(event) } }

    /// Objects merge key by key; everything else (arrays included) is replaced.
    static func merge(_ base: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(var b) = base, case .object(let p) = patch else { return patch }
        for (k, v) in p { b[k] = b[k].map { merge($0, v) } ?? v }
        return .object(b)
    }
}
