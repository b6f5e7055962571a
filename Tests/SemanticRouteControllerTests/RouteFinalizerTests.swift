import KubeCore
import SemanticRouteRender
import Testing
@testable import SemanticRouteController

@Suite("Finalizer, shared policy and orphan cleanup", .timeLimit(.minutes(2)))
struct RouteFinalizerTests {
    static let ours: JSONValue = ["app.kubernetes.io/managed-by": "semroute", "semroute.io/route": "llm.mom"]

    static func object(_ kind: String, _ ns: String, _ name: String, labels: JSONValue, owned: Bool = false,
                       gateway: String? = nil) -> JSONValue {
        var o: JSONValue = ["apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": .string(kind),
                            "metadata": ["name": .string(name), "namespace": .string(ns), "labels": labels]]
        if owned { o = o.setting(["metadata", "ownerReferences"], [["kind": "SemanticRoute", "name": "mom", "uid": "u"]]) }
        if let gateway { o = o.setting(["spec", "targetRefs"], [["kind": "Gateway", "name": .string(gateway)]]) }
        return o
    }

    static func route(_ name: String, gateway: String = "ai-gateway", deleting: Bool = false) -> JSONValue {
        var r: JSONValue = ["apiVersion": "semroute.io/v1alpha1", "kind": "SemanticRoute",
                            "metadata": ["name": .string(name), "namespace": "llm", "uid": .string("uid-\(name)")],
                            "spec": ["gatewayRef": ["name": .string(gateway), "namespace": "envoy-gateway-system"]]]
        if deleting { r = r.setting(["metadata", "deletionTimestamp"], "2026-01-01T00:00:00Z") }
        return r
    }

    static let ctp = object("ClientTrafficPolicy", "envoy-gateway-system", "semroute-ai-gateway",
                            labels: ["app.kubernetes.io/managed-by": "semroute"], gateway: "ai-gateway")
    static let epp = object("EnvoyPatchPolicy", "envoy-gateway-system", "semroute-llm-mom", labels: ours)

    @Test("a route that renders objects in another namespace needs the finalizer")
    func needed() throws {
        let prepared = ApplyPlanner(routeLabel: "llm.mom").prepared(Renderer().render(
            try ControllerFixtures.decoded(try ControllerFixtures.storedRoute())))
        #expect(RouteFinalizer.needed(prepared))
        let ownedOnly = prepared.filter { $0.0.namespace == "llm" }
        #expect(!RouteFinalizer.needed(ownedOnly))
    }

    @Test("cleanup deletes the cross-namespace patch policy and the shared policy when this is the last route")
    func lastRoute() {
        let mom = Self.route("mom", deleting: true)
        let managed = [Self.epp, Self.ctp, Self.object("Backend", "llm", "mom-a", labels: Self.ours, owned: true)]
        let cleanup = RouteFinalizer.cleanup(routeLabel: "llm.mom", managed: managed, routes: [mom], deleting: mom)
        #expect(cleanup.map(\.description) == ["ClientTrafficPolicy envoy-gateway-system/semroute-ai-gateway",
                                               "EnvoyPatchPolicy envoy-gateway-system/semroute-llm-mom"])
    }

    @Test("the shared policy stays while another route uses the Gateway")
    func sharedStays() {
        let mom = Self.route("mom", deleting: true)
        let cleanup = RouteFinalizer.cleanup(routeLabel: "llm.mom", managed: [Self.epp, Self.ctp],
                                             routes: [mom, Self.route("other")], deleting: mom)
        #expect(cleanup.map(\.kind) == ["EnvoyPatchPolicy"])
    }

    @Test("cleanup of a route whose apply never ran deletes nothing and succeeds")
    func neverApplied() {
        let mom = Self.route("mom", deleting: true)
        #expect(RouteFinalizer.cleanup(routeLabel: "llm.mom", managed: [], routes: [mom], deleting: mom).isEmpty)
    }

    @Test("finalizers of other controllers are kept in order")
    func otherFinalizers() {
        let r = Self.route("mom").setting(["metadata", "finalizers"], ["a/x", .string(RouteFinalizer.name), "b/y"])
        #expect(RouteFinalizer.finalizers(of: r, adding: false) == ["a/x", "b/y"])
        #expect(RouteFinalizer.finalizers(of: r, adding: true) == ["a/x", RouteFinalizer.name, "b/y"])
    }

    @Test("objects of a route that no longer exists are orphans, unless owned, unlabelled, or in an unwatched namespace")
    func orphans() {
        let stray = Self.object("EnvoyPatchPolicy", "envoy-gateway-system", "semroute-llm-gone",
                                labels: ["app.kubernetes.io/managed-by": "semroute", "semroute.io/route": "llm.gone"])
        let elsewhere = Self.object("EnvoyPatchPolicy", "envoy-gateway-system", "semroute-team-x",
                                    labels: ["app.kubernetes.io/managed-by": "semroute", "semroute.io/route": "team.x"])
        let owned = Self.object("Backend", "llm", "gone-a", labels: ["app.kubernetes.io/managed-by": "semroute", "semroute.io/route": "llm.gone"], owned: true)
        let managed = [Self.epp, stray, elsewhere, owned]
        let found = OrphanPlanner.orphans(managed: managed, routes: [Self.route("mom")], watches: { $0 == "llm" })
        #expect(found.map(\.name) == ["semroute-llm-gone"])
    }
}
