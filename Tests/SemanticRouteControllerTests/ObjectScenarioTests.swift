import KubeEnvtest
import KubeClient
import KubeCore
import KubeLocal
import SemanticRouteAPI
import Testing
@testable import SemanticRouteController
import SemanticRouteRender
import SemrouteTestSupport

@Suite("Scenarios against KubeLocal: changes, drift, prune, references, deletion", .timeLimit(.minutes(10)), .uses(.localServer), .serialized, .enabled(if: UpstreamCRDs.available(), Comment(rawValue: UpstreamCRDs.missingReason())))
struct ObjectScenarioTests {
    @Test("a hand-edited Deployment and a deleted ConfigMap are restored")
    func driftRestored() async throws {
        try await ScenarioHarness.run { h in
            try await h.readyRoute()
            _ = try await h.client.patch(.deployments, namespace: "llm", name: "mom-classifier",
                                         .merge(["spec": ["replicas": 7]]), options: WriteOptions(fieldManager: "kubectl-edit"))
            try await h.client.delete(.configMaps, namespace: "llm", name: "mom-classifier")
            try await h.settle()
            try await h.reconcile()
            #expect(Set(h.writes.filter { !$0.contains("semanticroutes") }) ==
                    ["patch deployments llm/mom-classifier", "patch configmaps llm/mom-classifier"])
            #expect(try await h.get(.deployments, "llm", "mom-classifier")?[path: "spec", "replicas"] == 2)
            #expect(try await h.get(.configMaps, "llm", "mom-classifier")?[path: "data", "config.json"] != nil)
        }
    }

    @Test("an extra object with this route's labels is pruned; an unlabelled one is not")
    func prune() async throws {
        try await ScenarioHarness.run { h in
            try await h.readyRoute()
            let labels: JSONValue = ["app.kubernetes.io/managed-by": "semroute", "semroute.io/route": "llm.mom"]
            try await h.create(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "mom-stale", "namespace": "llm", "labels": labels]])
            try await h.create(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "mom-notes", "namespace": "llm",
                                                                                        "labels": ["semroute.io/route": "llm.mom"]]])
            try await h.settle()
            try await h.reconcile()
            #expect(h.writes == ["delete configmaps llm/mom-stale"])
            #expect(try await h.get(.configMaps, "llm", "mom-stale") == nil)
            #expect(try await h.get(.configMaps, "llm", "mom-notes") != nil)
        }
    }

    @Test("an upstream NotAccepted on the AIGatewayRoute makes Programmed False with that message")
    func upstreamNotAccepted() async throws {
        try await ScenarioHarness.run { h in
            try await h.readyRoute()
            let condition: JSONValue = ["type": "NotAccepted", "status": "True", "reason": "NotAccepted",
                                        "message": "AIServiceBackend llm/mom-qwen-math: backend not found",
                                        "lastTransitionTime": "2026-11-25T12:00:00Z", "observedGeneration": 1]
            _ = try await h.client.patch(RenderedKinds.aiGatewayRoutes, namespace: "llm", name: "mom",
                                         .merge(["status": ["conditions": [condition]]]), subresource: .status)
            try await h.settle()
            try await h.reconcile()
            let programmed = try #require(try await h.condition(.programmed))
            #expect(programmed["status"] == "False" && programmed["reason"] == "NotAccepted")
            #expect(programmed["message"] == "AIGatewayRoute llm/mom not accepted: AIServiceBackend llm/mom-qwen-math: backend not found")
            #expect(try await h.condition(.ready)?["status"] == "False")
        }
    }

    @Test("a route deleted while the operator was away (finalizer removed by hand) leaves nothing behind after the sweep; other objects stay")
    func orphanSweep() async throws {
        try await ScenarioHarness.run { h in
            try await h.readyRoute()
            // Somebody strips the finalizer and deletes the route while no operator runs: garbage collection takes
            // the owner-referenced objects, the cross-namespace EnvoyPatchPolicy and the shared policy stay behind.
            _ = try await h.client.patch(ManagedKinds.semanticRoutes, namespace: "llm", name: "mom",
                                         .merge(["metadata": ["finalizers": .null]]))
            try await h.client.delete(ManagedKinds.semanticRoutes, namespace: "llm", name: "mom")
            let userPolicy: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap",
                                         "metadata": ["name": "keep-me", "namespace": "envoy-gateway-system",
                                                      "labels": ["semroute.io/route": "llm.mom"]]]
            try await h.create(userPolicy)
            try await h.settle()
            #expect(try await h.get(RenderedKinds.envoyPatchPolicies, "envoy-gateway-system", "semroute-llm-mom") != nil)

            // An operator scoped to another namespace judges neither llm's leftovers nor the shared policy.
            let writesBefore = h.writes.count
            var scoped = h.op.reconciler
            scoped.seesEveryRoute = false
            #expect(await scoped.sweepOrphans(watches: { $0 == "models" }).isEmpty)
            #expect(h.writes.count == writesBefore)

            let deleted = await h.op.reconciler.sweepOrphans(watches: { _ in true })
            #expect(Set(deleted.map(\.name)) == ["semroute-llm-mom", "semroute-ai-gateway"])
            #expect(try await h.get(RenderedKinds.envoyPatchPolicies, "envoy-gateway-system", "semroute-llm-mom") == nil)
            #expect(try await h.get(RenderedKinds.clientTrafficPolicies, "envoy-gateway-system", "semroute-ai-gateway") == nil)
            #expect(try await h.get(.configMaps, "envoy-gateway-system", "keep-me") != nil)
        }
    }
}
