import KubeRuntime
import KubeEnvtest
import KubeClient
import KubeCore
import KubeLocal
import SemanticRouteAPI
import Testing
@testable import SemanticRouteController
import SemanticRouteRender
import SemrouteTestSupport

@Suite("Scenarios against KubeLocal: faults and scaling", .timeLimit(.minutes(10)), .uses(.localServer), .serialized, .enabled(if: UpstreamCRDs.available(), Comment(rawValue: UpstreamCRDs.missingReason())))
struct FaultAndScalingScenarioTests {
    @Test("500, 429 and 409 answers and a dropped watch: retries converge on the latest spec, no update lost")
    func faults() async throws {
        try await ScenarioHarness.run { h in
            try await h.readyRoute()
            h.server.faults.fail(verb: "patch", resource: "aigatewayroutes", code: 500)
            h.server.faults.fail(verb: "patch", resource: "configmaps", code: 429, retryAfterSeconds: 1)
            _ = try await h.client.patch(ManagedKinds.semanticRoutes, namespace: "llm", name: "mom",
                                         .merge(["spec": ["timeouts": ["request": "90s"],
                                                           "safety": ["jailbreak": ["action": "Block", "threshold": 0.95]]]]))
            try await h.settle()
            await #expect(throws: ReconcileError.self) { try await h.reconcile() }
            let failed = try #require(try await h.condition(.programmed))
            #expect(failed["status"] == "False" && failed["reason"] == "ApplyFailed")

            // The watches drop while the spec changes again; informers resume from their resourceVersion.
            _ = await h.server.dropAllWatches()
            _ = try await h.client.patch(ManagedKinds.semanticRoutes, namespace: "llm", name: "mom",
                                         .merge(["spec": ["timeouts": ["request": "120s"]]]))
            try await h.settle()
            h.server.faults.fail(verb: "patch", resource: "semanticroutes", code: 409)
            await #expect(throws: ReconcileError.self) { try await h.reconcile() }
            try await h.settle()
            #expect(try await h.reconcile() == .awaitChange)
            try await h.settle()

            let route = try await h.route()
            #expect(route[path: "status", "observedGeneration"] == route[path: "metadata", "generation"])
            #expect(try await h.condition(.ready)?["status"] == "True")
            let aigr = try await h.client.get(RenderedKinds.aiGatewayRoutes, namespace: "llm", name: "mom")
            #expect(aigr[path: "spec", "rules"]?.arrayValue?.first?["timeouts"]?["request"] == "120s")
            let config = try await h.client.get(.configMaps, namespace: "llm", name: "mom-classifier")
            #expect(config[path: "data", "config.json"]?.stringValue?.contains("0.95") == true)
            try await h.reconcile()
            #expect(h.writes.isEmpty)
        }
    }

    @Test("kubectl scale through the scale subresource sets spec.classifier.replicas and the Deployment follows")
    func scaleSubresource() async throws {
        try await ScenarioHarness.run { h in
            try await h.readyRoute()
            _ = try await h.client.patch(ManagedKinds.semanticRoutes, namespace: "llm", name: "mom",
                                         .merge(["spec": ["replicas": 3]]), subresource: .scale)
            try await h.settle()
            #expect(try await h.route()[path: "spec", "classifier", "replicas"] == 3)
            try await h.reconcile()
            #expect(h.writes.contains("patch deployments llm/mom-classifier"))
            #expect(try await h.get(.deployments, "llm", "mom-classifier")?[path: "spec", "replicas"] == 3)
        }
    }

    @Test("with autoscaling, a replica count written by another manager (the HPA) is never reverted")
    func hpaOwnsReplicas() async throws {
        try await ScenarioHarness.run { h in
            let route = try ReconcileScenarioTests.momRoute()
                .setting(["spec", "classifier", "replicas"], nil)
                .setting(["spec", "classifier", "autoscaling"], ["minReplicas": 2, "maxReplicas": 6])
            try await h.readyRoute(route)
            #expect(try await h.get(.horizontalPodAutoscalers, "llm", "mom-classifier") != nil)
            _ = try await h.client.patch(.deployments, namespace: "llm", name: "mom-classifier",
                                         .merge(["spec": ["replicas": 5]]), subresource: .scale,
                                         options: WriteOptions(fieldManager: "horizontal-pod-autoscaler"))
            try await h.settle()
            try await h.reconcile()
            try await h.settle()
            try await h.reconcile()
            #expect(!h.writes.contains("patch deployments llm/mom-classifier"))
            #expect(try await h.get(.deployments, "llm", "mom-classifier")?[path: "spec", "replicas"] == 5)
        }
    }

    @Test("a classifier config change rewrites the ConfigMap and leaves the pod template alone (hot reload, no rollout)")
    func configChangeHotReloads() async throws {
        try await ScenarioHarness.run { h in
            try await h.readyRoute()
            let before = try #require(try await h.get(.deployments, "llm", "mom-classifier"))
            let configBefore = try await h.get(.configMaps, "llm", "mom-classifier")?[path: "data", "config.json"]
            _ = try await h.client.patch(ManagedKinds.semanticRoutes, namespace: "llm", name: "mom",
                                         .merge(["spec": ["safety": ["jailbreak": ["action": "Block", "threshold": 0.9]]]]))
            try await h.settle()
            try await h.reconcile()
            #expect(h.writes.contains("patch configmaps llm/mom-classifier"))
            let after = try #require(try await h.get(.deployments, "llm", "mom-classifier"))
            #expect(try await h.get(.configMaps, "llm", "mom-classifier")?[path: "data", "config.json"] != configBefore)
            #expect(after[path: "spec", "template"] == before[path: "spec", "template"], "no rollout: the classifier reloads its mounted config")
            #expect(after[path: "metadata", "annotations", "semroute.io/config-hash"] != before[path: "metadata", "annotations", "semroute.io/config-hash"])
        }
    }
}
