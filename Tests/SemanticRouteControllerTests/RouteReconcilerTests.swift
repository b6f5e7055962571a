import KubeRuntime
import KubeClient
import KubeCore
import Logging
import SemanticRouteAPI
import SemanticRouteRender
import Testing
@testable import SemanticRouteController

/// The reconcile sequence against an in-memory cluster (unit level; the same scenarios run against KubeLocal
/// over HTTP in the scenario suite).
@Suite("Reconcile sequence")
struct RouteReconcilerTests {
    static func setup(_ extra: [JSONValue] = ControllerFixtures.momReferences()) throws -> (FakeCluster, RouteReconciler) {
        let cluster = FakeCluster([try ControllerFixtures.storedRoute()] + extra)
        let reconciler = RouteReconciler(renderer: Renderer(), snapshot: cluster, writer: cluster, events: cluster,
                                         now: { "2026-11-25T12:00:00Z" }, logger: Logger(label: "test"))
        return (cluster, reconciler)
    }

    static func status(_ cluster: FakeCluster) throws -> SemanticRouteStatus {
        try #require(cluster.route(namespace: "llm", name: "mom")?["status"]).decode(SemanticRouteStatus.self)
    }

    static func condition(_ cluster: FakeCluster, _ type: ConditionType) throws -> Condition? {
        try status(cluster).conditions?[type: type.rawValue]
    }

    /// Marks the classifier Deployment available, as the Deployment controller and kubelet would.
    static func makeAvailable(_ cluster: FakeCluster) throws {
        let key = ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "llm", name: "mom-classifier")
        let d = try #require(cluster.object(key))
        cluster.put(d.setting(["status"], ["replicas": 2, "readyReplicas": 2, "availableReplicas": 2,
                                           "conditions": [["type": "Available", "status": "True"]]]))
    }

    @Test("the first reconcile adds the finalizer, the second applies everything, the third writes nothing")
    func firstSecondThird() async throws {
        let (cluster, reconciler) = try Self.setup()
        #expect(try await reconciler.reconcile(namespace: "llm", name: "mom") == .requeue(after: .zero))
        #expect(cluster.writes.map(\.verb) == ["finalizers"])
        #expect(RouteFinalizer.has(try #require(cluster.route(namespace: "llm", name: "mom"))))

        cluster.clearLog()
        #expect(try await reconciler.reconcile(namespace: "llm", name: "mom") == .awaitChange)
        let rendered = Renderer().render(try ControllerFixtures.decoded(try ControllerFixtures.storedRoute()))
        #expect(cluster.writes.filter { $0.verb == "apply" }.count == rendered.count)
        #expect(cluster.writes.last?.verb == "status")
        #expect(try Self.condition(cluster, .programmed)?.status == .true)
        #expect(try Self.condition(cluster, .classifierAvailable)?.status == .false)

        try Self.makeAvailable(cluster)
        cluster.clearLog()
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        #expect(cluster.writes.map(\.verb) == ["status"], "only the classifier's availability changed")
        #expect(try Self.condition(cluster, .ready)?.status == .true)

        cluster.clearLog()
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        #expect(cluster.writes.isEmpty)
        #expect(cluster.events.isEmpty)
    }

    @Test("a spec change moves observedGeneration and rewrites only the objects it changes")
    func specChange() async throws {
        let (cluster, reconciler) = try Self.setup()
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        let route = try #require(cluster.route(namespace: "llm", name: "mom"))
        cluster.put(route.setting(["spec", "timeouts", "request"], "90s").setting(["metadata", "generation"], 2))
        cluster.clearLog()
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        #expect(cluster.writes.filter { $0.verb == "apply" }.map(\.key.kind) == ["AIGatewayRoute"])
        #expect(try Self.status(cluster).observedGeneration == 2)
        #expect(try Self.status(cluster).conditions?.allSatisfy { $0.observedGeneration == 2 } == true)
    }

    @Test("an invalid spec applies nothing, says which field, records a Warning, and leaves other routes alone")
    func invalidSpec() async throws {
        let (cluster, reconciler) = try Self.setup()
        let route = try #require(cluster.route(namespace: "llm", name: "mom"))
        cluster.put(route.setting(["spec", "defaultTargets"], [["backend": "nope"]]))
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        #expect(cluster.writes.map(\.verb) == ["status"])
        let accepted = try #require(try Self.condition(cluster, .accepted))
        #expect(accepted.status == .false)
        #expect(accepted.message.contains("spec.defaultTargets"))
        #expect(cluster.events.contains { $0.type == .warning && $0.reason == "Invalid" })
    }

    @Test("a missing Secret is named in ResolvedRefs; creating it flips the condition without touching the route's spec")
    func missingSecretThenCreated() async throws {
        let refs = ControllerFixtures.momReferences().filter { $0["kind"]?.stringValue != "Secret" }
        let (cluster, reconciler) = try Self.setup(refs)
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        let before = try #require(try Self.condition(cluster, .resolvedRefs))
        #expect(before.status == .false && before.message.contains("Secret llm/openai-key"))
        let spec = cluster.route(namespace: "llm", name: "mom")?["spec"]
        cluster.put(ControllerFixtures.secret("llm", "openai-key", keys: ["apiKey"]))
        cluster.clearLog()
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        #expect(try Self.condition(cluster, .resolvedRefs)?.status == .true)
        #expect(cluster.writes.map(\.verb) == ["status"])
        #expect(cluster.route(namespace: "llm", name: "mom")?["spec"] == spec)
    }

    @Test("a 500 on one apply is retried with backoff: status reports it and the reconcile throws")
    func transientFailure() async throws {
        let (cluster, reconciler) = try Self.setup()
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        cluster.failNext("apply", KubeError(code: 500, status: Status(message: "etcd unavailable", reason: "ServerError", code: 500)))
        await #expect(throws: ReconcileError.self) { try await reconciler.reconcile(namespace: "llm", name: "mom") }
        #expect(try Self.condition(cluster, .programmed)?.reason == "ApplyFailed")
        #expect(try await reconciler.reconcile(namespace: "llm", name: "mom") == .awaitChange)
        #expect(try Self.condition(cluster, .programmed)?.status == .true)
    }

    @Test("an object the API server rejects is reported with the server's message, without a retry storm")
    func rejection() async throws {
        let (cluster, reconciler) = try Self.setup()
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        cluster.failNext("apply", KubeError(code: 422, status: Status(message: "spec.rules: Too many: 16: must have at most 15 items", reason: "Invalid", code: 422)))
        #expect(try await reconciler.reconcile(namespace: "llm", name: "mom") == .awaitChange)
        let programmed = try #require(try Self.condition(cluster, .programmed))
        #expect(programmed.status == .false)
        #expect(programmed.message.contains("spec.rules: Too many: 16: must have at most 15 items"))
    }

    @Test("an unlabelled object with a rendered name is left untouched and reported")
    func collision() async throws {
        let mine: JSONValue = ["apiVersion": "aigateway.envoyproxy.io/v1beta1", "kind": "AIGatewayRoute",
                               "metadata": ["name": "mom", "namespace": "llm", "labels": ["team": "a"]], "spec": ["x": 1]]
        let (cluster, reconciler) = try Self.setup(ControllerFixtures.momReferences() + [mine])
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        let key = try #require(ObjectRef(mine))
        #expect(cluster.object(key) == mine)
        #expect(!cluster.writes.contains { $0.key == key })
        #expect(try Self.condition(cluster, .programmed)?.reason == "NameConflict")
    }

    /// Finalizer, then everything applied; then the route is deleted (it waits on the finalizer); the log is cleared.
    static func programThenDelete(_ cluster: FakeCluster, _ reconciler: RouteReconciler) async throws {
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        try cluster.delete(FakeCluster.routeKey("llm", "mom"))
        cluster.clearLog()
    }

    @Test("deleting the route removes the cross-namespace objects, then the finalizer")
    func deletion() async throws {
        let (cluster, reconciler) = try Self.setup()
        try await Self.programThenDelete(cluster, reconciler)
        #expect(try await reconciler.reconcile(namespace: "llm", name: "mom") == .awaitChange)
        #expect(cluster.writes.map(\.description) == [
            "delete ClientTrafficPolicy envoy-gateway-system/semroute-ai-gateway",
            "delete EnvoyPatchPolicy envoy-gateway-system/semroute-llm-mom",
            "finalizers SemanticRoute llm/mom",
        ])
        #expect(cluster.route(namespace: "llm", name: "mom") == nil)
    }

    @Test("an operator scoped to one namespace deletes its route's objects but never the Gateway's shared ClientTrafficPolicy")
    func scopedDeletionKeepsSharedPolicy() async throws {
        var (cluster, reconciler) = try Self.setup()
        reconciler.seesEveryRoute = false  // routes of other namespaces may use the Gateway: it cannot know
        try await Self.programThenDelete(cluster, reconciler)
        #expect(try await reconciler.reconcile(namespace: "llm", name: "mom") == .awaitChange)
        #expect(cluster.writes.map(\.description) == [
            "delete EnvoyPatchPolicy envoy-gateway-system/semroute-llm-mom",
            "finalizers SemanticRoute llm/mom",
        ])
        #expect(await reconciler.sweepOrphans(watches: { _ in true }).isEmpty, "the sweep keeps it too")
    }
}
