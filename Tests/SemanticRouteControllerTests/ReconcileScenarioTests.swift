import KubeClient
import KubeCore
import KubeEnvtest
import KubeLocal
import SemanticRouteAPI
import SemanticRouteRender
import Testing
@testable import SemanticRouteController
import SemrouteTestSupport

/// The reconcile scenarios that matter at both levels, each written once and run on both backends: the in-memory
/// ``FakeCluster`` (the reconciler alone, no I/O) and KubeLocal over HTTP with the real AI Gateway / Envoy Gateway /
/// Gateway API CRDs validating every rendered object. Reconciles are driven one by one; no sleeps. Assertions that
/// only make sense against a server are conditional on it, and say why.
@Suite("Reconcile scenarios on FakeCluster and KubeLocal", .timeLimit(.minutes(10)), .uses(.localServer), .serialized)
struct ReconcileScenarioTests {
    /// mom.yaml as a user creates it (no uid, generation or resourceVersion).
    static func momRoute() throws -> JSONValue {
        var r = try ControllerFixtures.storedRoute()
        r = r.setting(["metadata", "uid"], nil).setting(["metadata", "generation"], nil).setting(["metadata", "resourceVersion"], nil)
        return r
    }

    @Test("first reconcile adds the finalizer, the second applies everything and sets conditions, the third writes nothing",
          arguments: Backend.available)
    func firstSecondThird(_ backend: Backend) async throws {
        try await backend.run { c in
            try await c.createRoute()
            try await c.settle()
            #expect(try await c.reconcile() == .requeue(after: .zero))
            #expect(c.writes == ["finalizers SemanticRoute llm/mom"])
            #expect(RouteFinalizer.has(try #require(try await c.route())))
            try await c.settle()

            #expect(try await c.reconcile() == .awaitChange)
            let rendered = Renderer().render(try ControllerFixtures.decoded(try #require(try await c.route())))
            let applies = c.writes.filter { !$0.contains(" SemanticRoute ") }
            #expect(applies.count == rendered.count, "\(c.writes)")
            #expect(applies.allSatisfy { $0.hasPrefix("apply ") }, "\(c.writes)")
            #expect(c.eventCount > 0, "condition transitions are recorded as Events")
            #expect(c.writes.last == "status SemanticRoute llm/mom")
            #expect(try await c.condition(.programmed)?["status"] == "True")
            #expect(try await c.condition(.resolvedRefs)?["status"] == "True")
            #expect(try await c.condition(.classifierAvailable)?["status"] == "False")
            try await c.settle()

            try await c.makeClassifierAvailable()
            try await c.settle()
            try await c.reconcile()
            #expect(c.writes == ["status SemanticRoute llm/mom"], "only the classifier's availability changed")
            #expect(try await c.condition(.ready)?["status"] == "True")
            try await c.settle()

            let before = try await c.route()?["status"]
            try await c.reconcile()
            #expect(c.writes.isEmpty, "steady state: \(c.writes)")
            #expect(c.eventCount == 0)
            #expect(try await c.route()?["status"] == before)
        }
    }

    @Test("a spec change moves observedGeneration and rewrites only the object it changes", arguments: Backend.available)
    func specChange(_ backend: Backend) async throws {
        try await backend.run { c in
            try await c.readyRoute()
            try await c.editSpec(["timeouts", "request"], "90s")
            try await c.settle()
            try await c.reconcile()
            #expect(c.writes == ["apply AIGatewayRoute llm/mom", "status SemanticRoute llm/mom"])
            let route = try #require(try await c.route())
            #expect(route[path: "status", "observedGeneration"] == 2)
            #expect(route[path: "status", "conditions"]?.arrayValue?.allSatisfy { $0["observedGeneration"] == 2 } == true)
            let aigr = try #require(try await c.get(RenderedKinds.aiGatewayRoutes, "llm", "mom"))
            #expect(aigr[path: "spec", "rules"]?.arrayValue?.first?["timeouts"]?["request"] == "90s")
        }
    }

    @Test("a missing Secret is named in ResolvedRefs; creating it flips the condition without touching the route's spec",
          arguments: Backend.available)
    func missingSecret(_ backend: Backend) async throws {
        try await backend.run(references: ControllerFixtures.momReferences().filter { $0["kind"] != "Secret" }) { c in
            try await c.readyRoute()
            let before = try #require(try await c.condition(.resolvedRefs))
            #expect(before["status"] == "False" && before["reason"] == "SecretNotFound")
            #expect(before["message"]?.stringValue?.contains("Secret llm/openai-key (spec.backends[2].auth.apiKey.secretRef) not found") == true)
            let spec = try await c.route()?["spec"]
            let generation = try await c.route()?[path: "metadata", "generation"]
            let secret = ControllerFixtures.secret("llm", "openai-key", keys: ["apiKey"]).setting(["data", "apiKey"], "c2VjcmV0")
            try await c.create(secret)
            try await c.settle()
            if let h = c.harness {
                // Server only: the Secret's change reaches the route through the operator's secret index (the fake
                // has no informers; its reconciler reads the Secret directly).
                let keys = h.op.informers[0].store.keys(index: RouteIndexes.secret, value: "llm/openai-key")
                #expect(keys.map(\.description) == ["llm/mom"])
            }
            try await c.reconcile()
            #expect(c.writes == ["status SemanticRoute llm/mom"])
            #expect(try await c.condition(.resolvedRefs)?["status"] == "True")
            #expect(try await c.condition(.ready)?["status"] == "True")
            #expect(try await c.route()?["spec"] == spec)
            #expect(try await c.route()?[path: "metadata", "generation"] == generation)
            if let h = c.harness {
                // Server only: what the operator's Secret informer keeps (the fake has no store).
                let stored = try #require(h.op.informers.first { $0.resource == .secrets }?.store.get(namespace: "llm", name: "openai-key"))
                #expect(stored[path: "data", "apiKey"] == "", "the operator's store never holds Secret values")
            }
        }
    }

    @Test("an unlabelled object with a rendered name is not touched, and status names it", arguments: Backend.available)
    func collision(_ backend: Backend) async throws {
        try await backend.run { c in
            let configMap: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap",
                                        "metadata": ["name": "mom-classifier", "namespace": "llm"], "data": ["owner": "me"]]
            try await c.create(configMap)
            // Fake only: an AIGatewayRoute with a made-up spec, which the server's AI Gateway CRD would reject.
            let route: JSONValue = ["apiVersion": "aigateway.envoyproxy.io/v1beta1", "kind": "AIGatewayRoute",
                                    "metadata": ["name": "mom", "namespace": "llm", "labels": ["team": "a"]], "spec": ["x": 1]]
            if c.backend == .fake { try await c.create(route) }
            try await c.createRoute()
            try await c.settle()
            try await c.reconcile()
            var writes = c.writes
            try await c.settle()
            try await c.reconcile()
            writes += c.writes
            #expect(!writes.contains { $0.contains(" ConfigMap llm/mom-classifier") }, "\(writes)")
            let cm = try #require(try await c.get(.configMaps, "llm", "mom-classifier"))
            #expect(cm["data"] == ["owner": "me"])
            #expect(cm[path: "metadata", "labels"] == nil)
            if c.backend == .fake {
                #expect(!writes.contains { $0.contains(" AIGatewayRoute llm/mom") }, "\(writes)")
                #expect(try await c.get(RenderedKinds.aiGatewayRoutes, "llm", "mom") == route)
            }
            let programmed = try #require(try await c.condition(.programmed))
            #expect(programmed["status"] == "False" && programmed["reason"] == "NameConflict")
            #expect(programmed["message"]?.stringValue?.contains("ConfigMap llm/mom-classifier exists but is not managed by semroute") == true,
                    "\(programmed)")
        }
    }

    @Test("deleting the route removes the cross-namespace objects, then the finalizer; garbage collection takes the rest",
          arguments: Backend.available)
    func deletion(_ backend: Backend) async throws {
        try await backend.run { c in
            try await c.readyRoute()
            try await c.deleteRoute()
            try await c.settle()
            #expect(try await c.reconcile() == .awaitChange)
            #expect(c.writes == [
                "delete ClientTrafficPolicy envoy-gateway-system/semroute-ai-gateway",
                "delete EnvoyPatchPolicy envoy-gateway-system/semroute-llm-mom",
                "finalizers SemanticRoute llm/mom",
            ])
            #expect(try await c.route() == nil)
            if let h = c.harness {
                // Server only: KubeLocal collects the owned objects (the fake has no garbage collector).
                try await h.until("garbage collection of the owned objects") {
                    for resource in RenderedKinds.all {
                        let items = try await h.client.listAll(resource, options: ListOptions(labelSelector: LabelSelector(matchLabels: [RouteLabels.managedByKey: "semroute"]))).items
                        if !items.isEmpty { return false }
                    }
                    return true
                }
            }
        }
    }
}
