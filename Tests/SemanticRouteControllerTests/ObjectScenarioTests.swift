import KubeEnvtest
import KubeClient
import KubeCore
import KubeLocal
import SemanticRouteAPI
import Testing
@testable import SemanticRouteController
import SemanticRouteRender

@Suite("Scenarios against KubeLocal: changes, drift, prune, references, deletion", .serialized, .enabled(if: UpstreamCRDs.available(), Comment(rawValue: UpstreamCRDs.missingReason())))
struct ObjectScenarioTests {
    @Test("a spec change moves observedGeneration and rewrites only the object it changes")
    func specChange() async throws {
        try await ScenarioHarness.run { h in
            try await h.readyRoute()
            _ = try await h.client.patch(ManagedKinds.semanticRoutes, namespace: "llm", name: "mom",
                                         .merge(["spec": ["timeouts": ["request": "90s"]]]))
            try await h.settle()
            try await h.reconcile()
            #expect(h.writes == ["patch aigatewayroutes llm/mom", "patch semanticroutes/status llm/mom"])
            let route = try await h.route()
            #expect(route[path: "status", "observedGeneration"] == 2)
            #expect(route[path: "status", "conditions"]?.arrayValue?.allSatisfy { $0["observedGeneration"] == 2 } == true)
            let aigr = try await h.client.get(RenderedKinds.aiGatewayRoutes, namespace: "llm", name: "mom")
            #expect(aigr[path: "spec", "rules"]?.arrayValue?.first?["timeouts"]?["request"] == "90s")
        }
    }

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

    @Test("an unlabelled object with a rendered name is not touched, and status names it")
    func collision() async throws {
        try await ScenarioHarness.run { h in
            let mine: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap",
                                   "metadata": ["name": "mom-classifier", "namespace": "llm"], "data": ["owner": "me"]]
            try await h.create(mine)
            try await h.create(try ReconcileScenarioTests.momRoute())
            try await h.settle()
            try await h.reconcile()
            try await h.settle()
            try await h.reconcile()
            #expect(!h.writes.contains { $0.contains("configmaps") })
            let cm = try #require(try await h.get(.configMaps, "llm", "mom-classifier"))
            #expect(cm["data"] == ["owner": "me"])
            #expect(cm[path: "metadata", "labels"] == nil)
            let programmed = try #require(try await h.condition(.programmed))
            #expect(programmed["status"] == "False" && programmed["reason"] == "NameConflict")
            #expect(programmed["message"]?.stringValue?.contains("ConfigMap llm/mom-classifier exists but is not managed by semroute") == true)
        }
    }

    @Test("a missing Secret is named in ResolvedRefs; creating it flips the condition without touching the route's spec")
    func missingSecret() async throws {
        try await ScenarioHarness.run(references: false) { h in
            for object in ControllerFixtures.momReferences() where object["kind"] != "Secret" { try await h.create(object) }
            try await h.readyRoute()
            let before = try #require(try await h.condition(.resolvedRefs))
            #expect(before["status"] == "False" && before["reason"] == "SecretNotFound")
            #expect(before["message"]?.stringValue?.contains("Secret llm/openai-key (spec.backends[2].auth.apiKey.secretRef) not found") == true)
            let generation = try await h.route()[path: "metadata", "generation"]
            let secret = ControllerFixtures.secret("llm", "openai-key", keys: ["apiKey"]).setting(["data", "apiKey"], "c2VjcmV0")
            try await h.create(secret)
            try await h.settle()
            // The Secret's change maps to the route through the secret index.
            let keys = h.op.informers[0].store.keys(index: RouteIndexes.secret, value: "llm/openai-key")
            #expect(keys.map(\.description) == ["llm/mom"])
            try await h.reconcile()
            #expect(h.writes == ["patch semanticroutes/status llm/mom"])
            #expect(try await h.condition(.resolvedRefs)?["status"] == "True")
            #expect(try await h.condition(.ready)?["status"] == "True")
            #expect(try await h.route()[path: "metadata", "generation"] == generation)
            let stored = try #require(h.op.informers.first { $0.resource == .secrets }?.store.get(namespace: "llm", name: "openai-key"))
            #expect(stored[path: "data", "apiKey"] == "", "the operator's store never holds Secret values")
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

    @Test("deleting the route removes the cross-namespace objects, then the finalizer; garbage collection takes the rest")
    func deletion() async throws {
        try await ScenarioHarness.run { h in
            try await h.readyRoute()
            try await h.client.delete(ManagedKinds.semanticRoutes, namespace: "llm", name: "mom")
            try await h.settle()
            try await h.reconcile()
            #expect(h.writes == [
                "delete clienttrafficpolicies envoy-gateway-system/semroute-ai-gateway",
                "delete envoypatchpolicies envoy-gateway-system/semroute-llm-mom",
                "patch semanticroutes llm/mom",
            ])
            #expect(try await h.get(ManagedKinds.semanticRoutes, "llm", "mom") == nil)
            try await h.until("garbage collection of the owned objects") {
                for resource in RenderedKinds.all {
                    let items = try await h.client.listAll(resource, options: ListOptions(labelSelector: LabelSelector(matchLabels: [RouteLabels.managedByKey: "semroute"]))).items
                    if !items.isEmpty { return false }
                }
                return true
            }
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
