import KubeClient
import KubeCore
import KubeEnvtest
import KubeLocal
import SemanticRouteAPI
import SemanticRouteRender
import Testing
@testable import SemanticRouteController
import SemrouteTestSupport

/// Two SemanticRoutes claiming the same model on one Gateway: the older one keeps it, the newer one reports
/// `Accepted=False` `ModelConflict` and renders nothing. Reconciles driven one by one on both backends; the
/// event-driven requeue with the controller running on KubeLocal (the real-server run is in RealAPIServerTests).
@Suite("Model conflicts between routes", .timeLimit(.minutes(10)), .uses(.localServer), .serialized)
struct ModelConflictScenarioTests {
    /// mom.yaml named `name`: as the fake stores it, or as a user creates it on a server. The creation time counts
    /// on the fake only (a server sets its own; there the route created first is the older one, or, within the
    /// same second, `llm/mom` sorts before `llm/mom-b`: the same winner either way).
    static func route(_ name: String, created: String, model: String? = nil, on backend: Backend = .local) throws -> JSONValue {
        var route = try backend == .fake ? ControllerFixtures.storedRoute(uid: "uid-\(name)") : ReconcileScenarioTests.momRoute()
        route = route.setting(["metadata", "name"], .string(name)).setting(["metadata", "creationTimestamp"], .string(created))
        if let model { route = route.setting(["spec", "model"], .string(model)).setting(["spec", "aliases"], nil) }
        return route
    }

    /// What route llm/`name` renders and would own, looked up by name.
    static func rendered(_ c: any ReconcileBackend, _ name: String) async throws -> [String] {
        var found: [String] = []
        if try await c.get(RenderedKinds.aiGatewayRoutes, "llm", name) != nil { found.append("AIGatewayRoute") }
        if try await c.get(RenderedKinds.envoyPatchPolicies, "envoy-gateway-system", "semroute-llm-\(name)") != nil {
            found.append("EnvoyPatchPolicy")
        }
        if try await c.get(.deployments, "llm", "\(name)-classifier") != nil { found.append("Deployment") }
        return found
    }

    static func condition(_ route: JSONValue?, _ type: ConditionType) -> JSONValue? {
        route?[path: "status", "conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type.rawValue }
    }

    @Test("a newer route with the same model on the same Gateway is Accepted=False ModelConflict naming the older one, renders nothing; when the older one is deleted it is accepted and renders",
          arguments: Backend.available)
    func newerRouteLoses(_ backend: Backend) async throws {
        try await backend.run { c in
            try await c.readyRoute(try Self.route("mom", created: "2026-11-25T10:00:00Z", on: backend))
            try await c.createRoute(try Self.route("mom-b", created: "2026-11-25T11:00:00Z", on: backend))
            try await c.settle()

            #expect(try await c.reconcile(route: "mom-b") == .awaitChange)
            #expect(c.writes == ["status SemanticRoute llm/mom-b"], "no finalizer, nothing applied")
            let loser = try await c.route(named: "mom-b")
            let accepted = try #require(Self.condition(loser, .accepted))
            #expect(accepted["status"] == "False" && accepted["reason"] == "ModelConflict")
            let message = accepted["message"]?.stringValue ?? ""
            #expect(message.contains("llm/mom") && message.contains("MoM, auto") && message.contains("envoy-gateway-system/ai-gateway"),
                    "\(message)")
            #expect(Self.condition(loser, .ready)?["status"] == "False")
            #expect(Self.condition(loser, .ready)?["reason"] == "ModelConflict", "the Reason column of kubectl get -o wide")
            #expect(loser?[path: "status", "managed"]?.arrayValue?.isEmpty ?? true)
            #expect(try await Self.rendered(c, "mom-b") == [])
            #expect(try await c.events(of: "mom-b").contains("Warning ModelConflict"))
            try await c.settle()

            // The winner is untouched by the loser's presence.
            try await c.reconcile()
            #expect(c.writes.isEmpty, "\(c.writes)")
            #expect(try await c.condition(.ready)?["status"] == "True")
            // The loser's next reconcile writes nothing either.
            try await c.reconcile(route: "mom-b")
            #expect(c.writes.isEmpty, "\(c.writes)")

            // The winner goes: the loser takes the model (finalizer first, then everything).
            try await c.deleteRoute()
            try await c.settle()
            #expect(try await c.reconcile(route: "mom-b") == .requeue(after: .zero))
            try await c.settle()
            try await c.reconcile(route: "mom-b")
            let now = try await c.route(named: "mom-b")
            #expect(Self.condition(now, .accepted)?["status"] == "True")
            #expect(Self.condition(now, .programmed)?["status"] == "True")
            #expect(try await Self.rendered(c, "mom-b") == ["AIGatewayRoute", "EnvoyPatchPolicy", "Deployment"])
        }
    }

    @Test("an older route that changes its model into conflict takes it: the newer one prunes everything it had applied, and nothing of the older one",
          arguments: Backend.available)
    func olderRouteTakesModel(_ backend: Backend) async throws {
        try await backend.run { c in
            try await c.readyRoute(try Self.route("mom", created: "2026-11-25T10:00:00Z", model: "Elsewhere", on: backend))
            try await c.createRoute(try Self.route("mom-b", created: "2026-11-25T11:00:00Z", on: backend))
            try await c.settle()
            try await c.reconcile(route: "mom-b")
            try await c.settle()
            try await c.reconcile(route: "mom-b")
            #expect(Self.condition(try await c.route(named: "mom-b"), .accepted)?["status"] == "True")
            #expect(try await Self.rendered(c, "mom-b") == ["AIGatewayRoute", "EnvoyPatchPolicy", "Deployment"])
            try await c.settle()

            try await c.editSpec(["model"], "MoM")
            try await c.settle()
            try await c.reconcile()
            #expect(try await c.condition(.accepted)?["status"] == "True")
            try await c.settle()
            try await c.reconcile(route: "mom-b")
            let deletes = c.writes.filter { $0.hasPrefix("delete ") }
            #expect(deletes.contains("delete EnvoyPatchPolicy envoy-gateway-system/semroute-llm-mom-b"), "\(c.writes)")
            #expect(deletes.allSatisfy { $0.contains("mom-b") }, "only the loser's own objects: \(deletes)")
            #expect(try await Self.rendered(c, "mom-b") == [])
            #expect(Self.condition(try await c.route(named: "mom-b"), .accepted)?["reason"] == "ModelConflict")
            #expect(try await Self.rendered(c, "mom") == ["AIGatewayRoute", "EnvoyPatchPolicy", "Deployment"])
        }
    }

    @Test("with the controller running, deleting the winner re-reconciles the loser at once (no resync) and it becomes Ready")
    func loserRequeuedOnWinnerDeletion() async throws {
        guard Backend.available.contains(.local) else { return }
        try await ScenarioHarness.run(controller: true) { h in
            try await h.create(try Self.route("mom", created: "2026-11-25T10:00:00Z"))
            try await h.until("llm/mom to be Ready", seconds: 30) {
                Self.condition(h.op.informers[0].store.get(namespace: "llm", name: "mom"), .ready)?["status"] == "True"
            }
            try await h.create(try Self.route("mom-b", created: "2026-11-25T11:00:00Z"))
            try await h.until("llm/mom-b to report ModelConflict", seconds: 30) {
                Self.condition(h.op.informers[0].store.get(namespace: "llm", name: "mom-b"), .accepted)?["reason"] == "ModelConflict"
            }
            try await h.client.delete(ManagedKinds.semanticRoutes, namespace: "llm", name: "mom")
            // The resync period is 600 s: only the route-change trigger brings mom-b back this fast.
            try await h.until("llm/mom-b to be Ready", seconds: 30) {
                Self.condition(h.op.informers[0].store.get(namespace: "llm", name: "mom-b"), .ready)?["status"] == "True"
            }
            #expect(try await h.get(RenderedKinds.aiGatewayRoutes, "llm", "mom-b") != nil)
        }
    }
}
