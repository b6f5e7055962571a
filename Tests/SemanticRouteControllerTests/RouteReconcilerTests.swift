import KubeRuntime
import KubeClient
import KubeCore
import Logging
import SemanticRouteAPI
import SemanticRouteRender
import Testing
@testable import SemanticRouteController

/// The reconcile sequence against an in-memory cluster (unit level): what only the fake can script (injected
/// failures, a namespace-scoped operator). The scenarios that matter on both levels run on the fake and on KubeLocal
/// in `ReconcileScenarioTests`.
@Suite("Reconcile sequence", .timeLimit(.minutes(2)))
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

    @Test("a backend the target AI Gateway release lacks applies nothing and names the field and the release; the newer target applies it")
    func unsupportedOnTarget() async throws {
        let raw = try ControllerFixtures.storedRoute("providers/aws-openai.yaml", uid: "uid-aws")
        for target in AIGatewayVersion.allCases {
            let cluster = FakeCluster([raw, ControllerFixtures.gateway(), ControllerFixtures.secret("llm", "bedrock-credentials", keys: ["credentials"])])
            let reconciler = RouteReconciler(renderer: Renderer(options: .init(aiGateway: target)), snapshot: cluster, writer: cluster,
                                             events: cluster, now: { "2026-12-07T12:00:00Z" }, logger: Logger(label: "test"))
            // The first pass of an applying reconcile only adds the finalizer and asks to be called again.
            for _ in 0..<3 {
                if try await reconciler.reconcile(namespace: "llm", name: "aws-openai") == .awaitChange { break }
            }
            let status = try #require(cluster.route(namespace: "llm", name: "aws-openai")?["status"]).decode(SemanticRouteStatus.self)
            let accepted = try #require(status.conditions?[type: ConditionType.accepted.rawValue])
            if target == .v1_1 {
                #expect(cluster.writes.map(\.verb) == ["status"], "\(cluster.writes)")
                #expect(accepted.status == .false && accepted.reason == "Invalid")
                #expect(accepted.message.hasPrefix("spec.backends[0].provider: Unsupported value: \"AWSOpenAI\""), "\(accepted.message)")
                #expect(accepted.message.contains("needs Envoy AI Gateway v1.2 or later, and the target release is v1.1"))
                #expect(cluster.events.contains { $0.type == .warning && $0.reason == "Invalid" && $0.note.contains("spec.backends[1].provider") })
            } else {
                #expect(accepted.status == .true, "\(accepted.message)")
                #expect(cluster.writes.contains { $0.verb == "apply" && $0.key.kind == "AIServiceBackend" })
            }
        }
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

    /// Finalizer, then everything applied; then the route is deleted (it waits on the finalizer); the log is cleared.
    static func programThenDelete(_ cluster: FakeCluster, _ reconciler: RouteReconciler) async throws {
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        _ = try await reconciler.reconcile(namespace: "llm", name: "mom")
        try cluster.delete(FakeCluster.routeKey("llm", "mom"))
        cluster.clearLog()
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
