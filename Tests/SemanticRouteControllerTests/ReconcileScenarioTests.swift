import KubeEnvtest
import KubeClient
import KubeCore
import KubeLocal
import SemanticRouteAPI
import SemanticRouteRender
import Testing
@testable import SemanticRouteController

/// Scenario tests against KubeLocal over HTTP, with the real AI Gateway / Envoy Gateway / Gateway API CRDs
/// validating every rendered object. Reconciles are driven one by one; no sleeps.
@Suite("Scenarios against KubeLocal", .serialized, .enabled(if: UpstreamCRDs.available(), Comment(rawValue: UpstreamCRDs.missingReason())))
struct ReconcileScenarioTests {
    static func momRoute() throws -> JSONValue {
        var r = try ControllerFixtures.storedRoute()
        r = r.setting(["metadata", "uid"], nil).setting(["metadata", "generation"], nil).setting(["metadata", "resourceVersion"], nil)
        return r
    }

    @Test("first reconcile adds the finalizer, the second applies everything and sets conditions, the third writes nothing")
    func firstSecondThird() async throws {
        try await ScenarioHarness.run { h in
            try await h.create(try Self.momRoute())
            try await h.settle()
            #expect(try await h.reconcile() == .requeue(after: .zero))
            #expect(h.writes == ["patch semanticroutes llm/mom"])
            #expect(RouteFinalizer.has(try await h.route()))
            try await h.settle()

            try await h.reconcile()
            let rendered = Renderer().render(try ControllerFixtures.decoded(try await h.route()))
            let applies = h.writes.filter { !$0.contains("semanticroutes") }
            #expect(applies.count == rendered.count, "\(h.writes)")
            #expect(h.eventWrites > 0, "condition transitions are recorded as Events")
            #expect(h.writes.last == "patch semanticroutes/status llm/mom")
            #expect(try await h.condition(.programmed)?["status"] == "True")
            #expect(try await h.condition(.resolvedRefs)?["status"] == "True")
            #expect(try await h.condition(.classifierAvailable)?["status"] == "False")
            try await h.settle()

            try await h.simulateDeployment()
            try await h.settle()
            try await h.reconcile()
            #expect(h.writes == ["patch semanticroutes/status llm/mom"])
            #expect(try await h.condition(.ready)?["status"] == "True")
            try await h.settle()

            let before = try await h.route()["status"]
            try await h.reconcile()
            #expect(h.writes.isEmpty, "steady state: \(h.writes)")
            #expect(h.eventWrites == 0)
            #expect(try await h.route()["status"] == before)
        }
    }
}
