import KubeCore
import SemanticRouteAPI
import SemanticRouteRender
import Testing
@testable import SemanticRouteController

@Suite("Apply planning: no-ops, hand edits, prune, name conflicts", .timeLimit(.minutes(2)))
struct ApplyPlannerTests {
    static let planner = ApplyPlanner(routeLabel: "llm.mom")

    static func prepared(_ edit: (inout JSONValue) -> Void = { _ in }) throws -> [(ObjectRef, JSONValue)] {
        var raw = try ControllerFixtures.storedRoute()
        edit(&raw)
        return planner.prepared(Renderer().render(try ControllerFixtures.decoded(raw)))
    }

    /// What the API server holds after applying `body`: the fields we sent plus server-set ones.
    static func stored(_ body: JSONValue) -> JSONValue {
        body.setting(["metadata", "uid"], "u-1").setting(["metadata", "resourceVersion"], "7")
            .setting(["metadata", "managedFields"], [["manager": "semroute", "operation": "Apply"]])
            .setting(["status"], ["observedGeneration": 1])
    }

    @Test("every object already applied as rendered needs no write")
    func steadyState() throws {
        let objects = try Self.prepared()
        let live = Dictionary(uniqueKeysWithValues: objects.map { ($0.0, Self.stored($0.1)) })
        let plans = Self.planner.plan(objects, live: { live[$0] })
        #expect(plans.count == objects.count)
        #expect(plans.allSatisfy { $0.action == .unchanged })
    }

    @Test("a hand-edited field, or an object missing from the store, is applied again")
    func handEdit() throws {
        let objects = try Self.prepared()
        var live = Dictionary(uniqueKeysWithValues: objects.map { ($0.0, Self.stored($0.1)) })
        let deployment = try #require(objects.first { $0.0.kind == "Deployment" }?.0)
        let service = try #require(objects.first { $0.0.kind == "Service" }?.0)
        live[deployment] = live[deployment]?.setting(["spec", "replicas"], 7)
        live[service] = nil
        let plans = Dictionary(uniqueKeysWithValues: Self.planner.plan(objects, live: { live[$0] }).map { ($0.key, $0.action) })
        #expect(plans[deployment] == .apply)
        #expect(plans[service] == .checkThenApply)
        #expect(plans.values.filter { $0 == .unchanged }.count == objects.count - 2)
    }

    @Test("a field removed from the spec changes the applied hash, so server-side apply can drop it")
    func removedField() throws {
        let before = try Self.prepared()
        let after = try Self.prepared { raw in raw = raw.setting(["spec", "hostnames"], nil) }
        let live = Dictionary(uniqueKeysWithValues: before.map { ($0.0, Self.stored($0.1)) })
        let plans = Self.planner.plan(after, live: { live[$0] })
        let changed = plans.filter { $0.action != .unchanged }.map(\.key.kind)
        #expect(changed == ["AIGatewayRoute"], "the AIGatewayRoute still holds the old hostnames")
    }

    @Test("an object with our name but without our labels, or another route's, is a conflict, never applied")
    func conflicts() throws {
        let objects = try Self.prepared()
        let (key, body) = try #require(objects.first { $0.0.kind == "AIGatewayRoute" })
        let unlabelled = body.setting(["metadata", "labels"], ["app": "mine"])
        #expect(Self.planner.action(for: key, body: body, live: unlabelled) == .nameConflict)
        let otherRoute = body.setting(["metadata", "labels", RouteLabels.routeKey], "llm.other")
        #expect(Self.planner.action(for: key, body: body, live: otherRoute) == .nameConflict)
    }

    @Test("the shared ClientTrafficPolicy is identical for two routes on one Gateway and carries no owner")
    func sharedPolicy() throws {
        let a = try Self.prepared()
        var rawB = try ControllerFixtures.storedRoute(uid: "uid-other")
        rawB = rawB.setting(["metadata", "name"], "other")
        let b = ApplyPlanner(routeLabel: "llm.other").prepared(Renderer().render(try ControllerFixtures.decoded(rawB)))
        let ctpA = try #require(a.first { $0.0.kind == "ClientTrafficPolicy" })
        let ctpB = try #require(b.first { $0.0.kind == "ClientTrafficPolicy" })
        #expect(ctpA.0 == ctpB.0)
        #expect(ctpA.1 == ctpB.1)
        #expect(ctpA.1[path: "metadata", "labels", RouteLabels.routeKey] == nil)
        #expect(ctpA.1[path: "metadata", "ownerReferences"] == nil)
        #expect(ctpA.1[path: "metadata", "labels", RouteLabels.managedByKey] == "semroute")
    }

    @Test("a user's own ClientTrafficPolicy on the Gateway wins: ours is skipped with a message")
    func userPolicyWins() throws {
        let objects = try Self.prepared()
        let user = ObjectRef(apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "ClientTrafficPolicy",
                             namespace: "envoy-gateway-system", name: "buffers")
        let plan = try #require(Self.planner.plan(objects, live: { _ in nil }, userClientTrafficPolicy: user)
            .first { $0.key.kind == "ClientTrafficPolicy" })
        guard case .skip(let message) = plan.action else { Issue.record("expected skip, got \(plan.action)"); return }
        #expect(message.contains("envoy-gateway-system/buffers"))
    }

    @Test("prune deletes this route's labelled objects that are no longer rendered, and nothing else")
    func prune() throws {
        let objects = try Self.prepared()
        func object(_ kind: String, _ name: String, labels: JSONValue) -> JSONValue {
            ["apiVersion": "v1", "kind": .string(kind), "metadata": ["name": .string(name), "namespace": "llm", "labels": labels]]
        }
        let ours: JSONValue = ["app.kubernetes.io/managed-by": "semroute", "semroute.io/route": "llm.mom"]
        let live = objects.map { Self.stored($0.1) } + [
            object("ConfigMap", "mom-old", labels: ours),
            object("ConfigMap", "hand-made", labels: ["semroute.io/route": "llm.mom"]),
            object("ConfigMap", "other-route", labels: ["app.kubernetes.io/managed-by": "semroute", "semroute.io/route": "llm.other"]),
        ]
        let stale = Self.planner.prune(desired: objects.map(\.0), live: live)
        #expect(stale == [ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: "llm", name: "mom-old")])
    }
}

@Suite("No-op detection (desired fields ⊆ live)", .timeLimit(.minutes(2)))
struct FieldSubsetTests {
    @Test("extra live fields are fine; a different or missing desired field is not")
    func objects() {
        let desired: JSONValue = ["spec": ["a": 1, "b": "x"]]
        #expect(FieldSubset.contains(["spec": ["a": 1, "b": "x", "c": true], "status": [:]], desired))
        #expect(!FieldSubset.contains(["spec": ["a": 2, "b": "x"]], desired))
        #expect(!FieldSubset.contains(["spec": ["a": 1]], desired))
    }

    @Test("named list elements match by name, others by position, and lengths must agree")
    func arrays() {
        let desired: JSONValue = ["ports": [["name": "grpc", "port": 1], ["name": "http", "port": 2]]]
        #expect(FieldSubset.contains(["ports": [["name": "http", "port": 2, "protocol": "TCP"], ["name": "grpc", "port": 1]]], desired))
        #expect(!FieldSubset.contains(["ports": [["name": "grpc", "port": 1]]], desired))
        #expect(FieldSubset.contains(["args": ["a", "b"]], ["args": ["a", "b"]]))
        #expect(!FieldSubset.contains(["args": ["b", "a"]], ["args": ["a", "b"]]))
        #expect(!FieldSubset.contains(["args": ["a", "b", "c"]], ["args": ["a", "b"]]))
    }

    @Test("numbers compare by value")
    func numbers() {
        #expect(FieldSubset.contains(["n": 1.0], ["n": 1]))
        #expect(!FieldSubset.contains(["n": "1"], ["n": 1]))
    }
}
