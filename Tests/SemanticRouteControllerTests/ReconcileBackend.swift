import KubeClient
import KubeCore
import KubeEnvtest
import KubeRuntime
import Logging
import SemanticRouteAPI
import SemanticRouteRender
import Testing
@testable import SemanticRouteController

/// Where a reconcile scenario runs: against the in-memory ``FakeCluster`` (unit level, no I/O) or against KubeLocal
/// over HTTP with the real upstream CRDs (``ScenarioHarness``). The same scenario runs on both through
/// ``ReconcileBackend``.
enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case fake, local

    var testDescription: String { self == .fake ? "FakeCluster" : "KubeLocal" }

    /// The backends a scenario runs on: KubeLocal needs the upstream CRDs (`hack/fetch-upstream-crds.sh`; `make
    /// test` fetches them), the fake does not.
    static var available: [Backend] { UpstreamCRDs.available() ? [.fake, .local] : [.fake] }

    /// Runs `body` on a fresh cluster of this kind holding `references` (mom.yaml's by default) and no route yet.
    func run(references: [JSONValue] = ControllerFixtures.momReferences(),
             _ body: @Sendable (any ReconcileBackend) async throws -> Void) async throws {
        switch self {
        case .fake:
            try await body(FakeBackend(references))
        case .local:
            try await ScenarioHarness.run(references: false) { h in
                for object in references { try await h.create(object) }
                try await h.settle()
                try await body(LocalBackend(harness: h))
            }
        }
    }
}

/// One cluster a reconcile scenario drives, step by step, on route llm/mom. Writes read the same on both
/// backends: `apply Kind ns/name`, `delete Kind ns/name`, `status SemanticRoute ns/name` (the status subresource)
/// and `finalizers SemanticRoute ns/name` (a patch of the route itself).
protocol ReconcileBackend: Sendable {
    var backend: Backend { get }
    /// The KubeLocal harness, for assertions that only make sense against a server (informers, indexes, garbage
    /// collection); nil on the fake.
    var harness: ScenarioHarness? { get }

    /// Creates `object` (any kind) as a user would.
    func create(_ object: JSONValue) async throws
    /// Creates the route, mom.yaml unless given.
    func createRoute(_ route: JSONValue?) async throws
    /// Changes the route's spec as a user would (the server, or the fake, moves `metadata.generation`).
    func editSpec(_ path: [String], _ value: JSONValue) async throws
    func deleteRoute() async throws
    /// What the Deployment controller and kubelet would write: the classifier Deployment becomes available.
    func makeClassifierAvailable() async throws
    /// Lets the dust settle (KubeLocal: every store matches the server) and clears the write log.
    func settle() async throws
    /// One reconcile of llm/mom.
    @discardableResult func reconcile() async throws -> ReconcileAction
    /// One reconcile of another route in llm (scenarios with several routes).
    @discardableResult func reconcile(route name: String) async throws -> ReconcileAction
    /// Another route in llm, and deleting it.
    func route(named name: String) async throws -> JSONValue?
    func deleteRoute(named name: String) async throws
    /// The Events recorded on route llm/`name`, as `Type Reason` (the fake: since the last ``settle()``; KubeLocal: all).
    func events(of name: String) async throws -> [String]
    /// Writes since the last ``settle()``, events excluded.
    var writes: [String] { get }
    /// Events recorded since the last ``settle()``.
    var eventCount: Int { get }
    func route() async throws -> JSONValue?
    func get(_ resource: APIResource, _ namespace: String, _ name: String) async throws -> JSONValue?
}

extension ReconcileBackend {
    func createRoute() async throws { try await createRoute(nil) }

    func condition(_ type: ConditionType) async throws -> JSONValue? {
        try await route()?[path: "status", "conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type.rawValue }
    }

    /// Creates the route and brings it to Ready: finalizer, apply, classifier available, status; the log is cleared.
    func readyRoute(_ route: JSONValue? = nil) async throws {
        try await createRoute(route)
        try await settle()
        try await reconcile()
        try await settle()
        try await reconcile()
        try await settle()
        try await makeClassifierAvailable()
        try await settle()
        try await reconcile()
        try await settle()
    }
}

/// ``ReconcileBackend`` on the in-memory ``FakeCluster`` and a bare ``RouteReconciler``.
struct FakeBackend: ReconcileBackend {
    let cluster: FakeCluster
    let reconciler: RouteReconciler
    var backend: Backend { .fake }
    var harness: ScenarioHarness? { nil }

    init(_ references: [JSONValue]) {
        cluster = FakeCluster(references)
        reconciler = RouteReconciler(renderer: Renderer(), snapshot: cluster, writer: cluster, events: cluster,
                                     now: { "2026-11-25T12:00:00Z" }, logger: Logger(label: "test"))
    }

    func create(_ object: JSONValue) async throws { cluster.put(object) }

    func createRoute(_ route: JSONValue?) async throws { cluster.put(try route ?? ControllerFixtures.storedRoute()) }

    func editSpec(_ path: [String], _ value: JSONValue) async throws {
        let route = try #require(cluster.route(namespace: "llm", name: "mom"))
        let generation = route[path: "metadata", "generation"]?.intValue ?? 1
        cluster.put(route.setting(["spec"] + path, value).setting(["metadata", "generation"], .int(generation + 1)))
    }

    func deleteRoute() async throws { try cluster.delete(FakeCluster.routeKey("llm", "mom")) }

    func makeClassifierAvailable() async throws {
        let key = ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "llm", name: "mom-classifier")
        let d = try #require(cluster.object(key))
        cluster.put(d.setting(["status"], ["replicas": 2, "readyReplicas": 2, "availableReplicas": 2,
                                           "conditions": [["type": "Available", "status": "True"]]]))
    }

    func settle() async throws { cluster.clearLog() }

    @discardableResult
    func reconcile() async throws -> ReconcileAction { try await reconciler.reconcile(namespace: "llm", name: "mom") }

    var writes: [String] {
        cluster.writes.map { "\($0.verb) \($0.key.kind) \($0.key.namespace)/\($0.key.name)" }
    }

    var eventCount: Int { cluster.events.count }

    func route() async throws -> JSONValue? { cluster.route(namespace: "llm", name: "mom") }

    @discardableResult
    func reconcile(route name: String) async throws -> ReconcileAction { try await reconciler.reconcile(namespace: "llm", name: name) }

    func route(named name: String) async throws -> JSONValue? { cluster.route(namespace: "llm", name: name) }

    func deleteRoute(named name: String) async throws { try cluster.delete(FakeCluster.routeKey("llm", name)) }

    func events(of name: String) async throws -> [String] {
        cluster.events.filter { $0.namespace == "llm" && $0.name == name }.map { "\($0.type.rawValue) \($0.reason)" }
    }

    func get(_ resource: APIResource, _ namespace: String, _ name: String) async throws -> JSONValue? {
        cluster.object(ObjectRef(apiVersion: resource.apiVersion, kind: resource.kind, namespace: namespace, name: name))
    }
}

/// ``ReconcileBackend`` on KubeLocal through ``ScenarioHarness`` (the operator's informers running, reconciles
/// driven one at a time, writes read from the server's request log).
struct LocalBackend: ReconcileBackend {
    let harness: ScenarioHarness?
    var backend: Backend { .local }
    private var h: ScenarioHarness { harness! }

    init(harness: ScenarioHarness) { self.harness = harness }

    /// Kind by plural, for the request log.
    static let kinds: [String: String] = Dictionary(
        (RenderedKinds.all + [ManagedKinds.semanticRoutes, .configMaps, .deployments, .secrets, .services])
            .map { ($0.plural, $0.kind) }, uniquingKeysWith: { first, _ in first })

    func create(_ object: JSONValue) async throws { try await h.create(object) }

    func createRoute(_ route: JSONValue?) async throws { try await h.create(try route ?? ReconcileScenarioTests.momRoute()) }

    func editSpec(_ path: [String], _ value: JSONValue) async throws {
        let patch = JSONValue.object(JSONObject()).setting(["spec"] + path, value)
        _ = try await h.client.patch(ManagedKinds.semanticRoutes, namespace: "llm", name: "mom", .merge(patch))
    }

    func deleteRoute() async throws { try await h.client.delete(ManagedKinds.semanticRoutes, namespace: "llm", name: "mom") }

    func makeClassifierAvailable() async throws { try await h.simulateDeployment() }

    func settle() async throws { try await h.settle() }

    @discardableResult
    func reconcile() async throws -> ReconcileAction { try await h.reconcile() }

    var writes: [String] {
        h.server.requestLog.writes.filter { $0.resource != "events" }.map { e in
            let kind = Self.kinds[e.resource] ?? e.resource
            let at = "\(e.namespace ?? "")/\(e.name ?? "")"
            switch (e.verb, e.resource, e.subresource) {
            case ("patch", "semanticroutes", "status"): return "status \(kind) \(at)"
            case ("patch", "semanticroutes", nil): return "finalizers \(kind) \(at)"
            case ("patch", _, nil): return "apply \(kind) \(at)"
            default: return "\(e.verb) \(kind)\(e.subresource.map { "/\($0)" } ?? "") \(at)"
            }
        }
    }

    var eventCount: Int { h.eventWrites }

    func route() async throws -> JSONValue? { try await h.get(ManagedKinds.semanticRoutes, "llm", "mom") }

    @discardableResult
    func reconcile(route name: String) async throws -> ReconcileAction { try await h.reconcile(name) }

    func route(named name: String) async throws -> JSONValue? { try await h.get(ManagedKinds.semanticRoutes, "llm", name) }

    func deleteRoute(named name: String) async throws { try await h.client.delete(ManagedKinds.semanticRoutes, namespace: "llm", name: name) }

    /// Read from the server (core v1 Events, as `kubectl describe` lists them); the request log holds no bodies.
    func events(of name: String) async throws -> [String] {
        let events = APIResource(group: "", version: "v1", plural: "events", kind: "Event", namespaced: true)
        return try await h.client.list(events, namespace: "llm").items
            .filter { $0[path: "involvedObject", "name"]?.stringValue == name }
            .map { "\($0["type"]?.stringValue ?? "") \($0["reason"]?.stringValue ?? "")" }
    }

    func get(_ resource: APIResource, _ namespace: String, _ name: String) async throws -> JSONValue? {
        try await h.get(resource, namespace, name)
    }
}
