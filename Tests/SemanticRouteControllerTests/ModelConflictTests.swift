import KubeCore
@testable import KubeRuntime
import SemanticRouteAPI
import Testing
@testable import SemanticRouteController

@Suite("Model conflicts on one Gateway", .timeLimit(.minutes(1)))
struct ModelConflictTests {
    /// A raw route as the store holds it.
    static func route(_ namespace: String = "llm", name: String, model: String = "MoM", aliases: [String] = [],
                      decisions: [String] = [], gateway: String = "ai-gateway", gatewayNamespace: String? = "envoy-gateway-system",
                      created: String? = "2026-11-25T10:00:00Z", deleting: Bool = false) -> JSONValue {
        var gatewayRef: JSONValue = ["name": .string(gateway)]
        if let gatewayNamespace { gatewayRef = gatewayRef.setting(["namespace"], .string(gatewayNamespace)) }
        var route: JSONValue = [
            "apiVersion": "semroute.io/v1alpha1", "kind": "SemanticRoute",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "spec": ["gatewayRef": gatewayRef, "model": .string(model), "aliases": JSONValue(aliases),
                     "decisions": .array(decisions.map { ["name": .string($0)] })],
        ]
        if let created { route = route.setting(["metadata", "creationTimestamp"], .string(created)) }
        if deleting { route = route.setting(["metadata", "deletionTimestamp"], "2026-11-25T12:00:00Z") }
        return route
    }

    static func claims(_ raw: JSONValue) throws -> ModelClaims { try #require(ModelClaims(raw)) }

    static func verdict(_ raw: JSONValue, among others: [JSONValue]) throws -> ModelConflict? {
        ModelConflict.of(try claims(raw), among: others.compactMap { ModelClaims($0) })
    }

    @Test("a route claims its model, its aliases and the aliases render generates: <route>.<decision> and <route>.default")
    func claimedNames() throws {
        let c = try Self.claims(Self.route(name: "mom", aliases: ["auto"], decisions: ["math", "code"]))
        #expect(c.names == ["MoM", "auto", "mom.math", "mom.code", "mom.default"])
        #expect(c.gateway == "envoy-gateway-system/ai-gateway")
        #expect(c.indexValues.contains("envoy-gateway-system/ai-gateway/MoM"))
        // The Gateway's namespace defaults to the route's.
        #expect(try Self.claims(Self.route(name: "mom", gatewayNamespace: nil)).gateway == "llm/ai-gateway")
        // A route being deleted claims nothing (unless asked for what it claimed).
        #expect(ModelClaims(Self.route(name: "mom", deleting: true)) == nil)
        #expect(ModelClaims(Self.route(name: "mom", deleting: true), evenIfDeleting: true)?.names.contains("MoM") == true)
    }

    @Test("the older route wins; the newer one loses, naming the winner and the contested names")
    func olderWins() throws {
        let older = Self.route(name: "b", aliases: ["auto"], created: "2026-11-25T09:00:00Z")
        let newer = Self.route(name: "a", aliases: ["auto", "other"], created: "2026-11-25T10:00:00Z")
        #expect(try Self.verdict(older, among: [newer]) == nil)
        let conflict = try #require(try Self.verdict(newer, among: [older]))
        #expect(conflict.winners == [.init(route: "llm/b", names: ["MoM", "auto"])])
        #expect(conflict.gateway == "envoy-gateway-system/ai-gateway")
        #expect(conflict.message.contains("llm/b") && conflict.message.contains("MoM, auto"))
    }

    @Test("created in the same second: namespace/name alphabetically first wins")
    func tieBreak() throws {
        let a = Self.route("team-a", name: "mom"), b = Self.route("team-b", name: "mom")
        #expect(try Self.verdict(a, among: [b]) == nil)
        #expect(try Self.verdict(b, among: [a])?.winners.map(\.route) == ["team-a/mom"])
        // A route without a creation timestamp counts as the newest.
        let unset = Self.route("aaa", name: "x", created: nil)
        #expect(try Self.verdict(unset, among: [b])?.winners.map(\.route) == ["team-b/mom"])
    }

    @Test("an alias of one route that is another's model conflicts")
    func aliasAgainstModel() throws {
        let older = Self.route(name: "chat", model: "chat", created: "2026-11-25T09:00:00Z")
        let newer = Self.route(name: "mom", model: "MoM", aliases: ["chat"])
        #expect(try Self.verdict(newer, among: [older])?.names == ["chat"])
    }

    @Test("same route name in two namespaces on one Gateway: the generated aliases <route>.<decision> collide")
    func generatedAliasesCollide() throws {
        let older = Self.route("team-a", name: "mom", model: "MoM-a", decisions: ["math"], created: "2026-11-25T09:00:00Z")
        let newer = Self.route("team-b", name: "mom", model: "MoM-b", decisions: ["math", "code"])
        #expect(try Self.verdict(newer, among: [older])?.names == ["mom.default", "mom.math"])
    }

    @Test("routes on different Gateways, or with disjoint names, do not conflict")
    func noConflict() throws {
        let a = Self.route(name: "a", created: "2026-11-25T09:00:00Z")
        #expect(try Self.verdict(Self.route(name: "b", gateway: "other-gateway"), among: [a]) == nil)
        #expect(try Self.verdict(Self.route(name: "b", gatewayNamespace: "other-ns"), among: [a]) == nil)
        #expect(try Self.verdict(Self.route(name: "b", model: "other"), among: [a]) == nil)
        #expect(try Self.verdict(Self.route(name: "b"), among: [Self.route(name: "a", deleting: true)]) == nil,
                "a route being deleted yields its names")
    }

    @Test("a route that lost does not block a newer one; when the oldest goes, the chain shifts")
    func loserDoesNotBlock() throws {
        let a = Self.route(name: "a", model: "MoM", created: "2026-11-25T08:00:00Z")
        let b = Self.route(name: "b", model: "MoM", aliases: ["auto"], created: "2026-11-25T09:00:00Z")
        let c = Self.route(name: "c", model: "other", aliases: ["auto"], created: "2026-11-25T10:00:00Z")
        #expect(try Self.verdict(b, among: [a, c])?.winners.map(\.route) == ["llm/a"])
        #expect(try Self.verdict(c, among: [a, b]) == nil, "b lost to a, so its alias auto is free for c")
        #expect(try Self.verdict(b, among: [c]) == nil)
        #expect(try Self.verdict(c, among: [b])?.winners == [.init(route: "llm/b", names: ["auto"])])
    }

    @Test("contenders are found through the index: the older routes sharing a name, transitively; a route without conflicts costs one lookup per name")
    func contendersThroughIndex() throws {
        let a = Self.route(name: "a", model: "MoM", created: "2026-11-25T08:00:00Z")
        let b = Self.route(name: "b", model: "MoM", aliases: ["auto"], created: "2026-11-25T09:00:00Z")
        let c = Self.route(name: "c", model: "other", aliases: ["auto"], created: "2026-11-25T10:00:00Z")
        let d = Self.route(name: "d", model: "unrelated", created: "2026-11-25T07:00:00Z")
        let all = try [a, b, c, d].map(Self.claims)
        var lookups = 0
        let lookup = { (value: String) -> [ModelClaims] in
            lookups += 1
            return all.filter { $0.indexValues.contains(value) }
        }
        let found = ModelConflict.contenders(of: try Self.claims(c), lookup: lookup)
        #expect(Set(found.map(\.route)) == ["llm/a", "llm/b"])
        #expect(ModelConflict.of(try Self.claims(c), among: found) == nil)
        lookups = 0
        #expect(ModelConflict.contenders(of: try Self.claims(d), lookup: lookup).isEmpty)
        #expect(lookups == (try Self.claims(d)).names.count)
    }

    @Test("a change of a route re-reconciles the routes that claim a name it claimed before or claims now, itself excluded")
    func triggerMapsOldAndNew() throws {
        let store = Store(indexers: RouteIndexes.all)
        let a = Self.route(name: "a", model: "MoM"), b = Self.route(name: "b", model: "MoM"), c = Self.route(name: "c", model: "chat")
        store.apply(.restarted([a, b, c]))
        let moved = a.setting(["spec", "model"], "chat")
        let keys = RouteIndexes.contenders(of: .applied(old: a, new: moved), in: store)
        #expect(Set(keys.map(\.name)) == ["b", "c"])
        #expect(RouteIndexes.contenders(of: .deleted(a), in: store).map(\.name) == ["b"])
        #expect(RouteIndexes.contenders(of: .applied(old: nil, new: c), in: store).isEmpty)
    }
}
