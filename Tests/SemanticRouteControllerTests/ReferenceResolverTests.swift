import KubeCore
import SemanticRouteAPI
import Testing
@testable import SemanticRouteController

@Suite("Reference resolution", .timeLimit(.minutes(2)))
struct ReferenceResolverTests {
    static func resolver(_ objects: [JSONValue], served: Set<RouteReference.Kind> = Set(RouteReference.Kind.allCases)) -> ReferenceResolver {
        let cluster = FakeCluster(objects)
        return ReferenceResolver(servedKinds: served) { kind, ns, name in cluster.referenced(kind, namespace: ns, name: name) }
    }

    @Test("lists the Gateway, every Service endpoint and every credential Secret with the field that names it")
    func references() throws {
        let route = try ControllerFixtures.decoded(try ControllerFixtures.storedRoute())
        let refs = RouteReference.all(of: route)
        #expect(refs.map { "\($0.kind.rawValue) \($0.namespacedName) \($0.field)" } == [
            "Gateway envoy-gateway-system/ai-gateway spec.gatewayRef",
            "Service models/vllm-math spec.backends[0].endpoint.service",
            "Service models/vllm-math-next spec.backends[1].endpoint.service",
            "Secret llm/openai-key spec.backends[2].auth.apiKey.secretRef",
        ])
        #expect(refs[3].detail == "apiKey")
    }

    @Test("everything present resolves")
    func allPresent() throws {
        let route = try ControllerFixtures.decoded(try ControllerFixtures.storedRoute())
        #expect(Self.resolver(ControllerFixtures.momReferences()).missing(RouteReference.all(of: route)).isEmpty)
    }

    @Test("an operator scoped with --namespace reports references in other namespaces as NamespaceNotWatched, even when they exist")
    func namespaceNotWatched() throws {
        let route = try ControllerFixtures.decoded(try ControllerFixtures.storedRoute())
        let cluster = FakeCluster(ControllerFixtures.momReferences())
        let resolver = ReferenceResolver(watchedNamespaces: ["llm", "models"]) { kind, ns, name in
            cluster.referenced(kind, namespace: ns, name: name)
        }
        let missing = resolver.missing(RouteReference.all(of: route))
        #expect(missing.map(\.reason) == [.namespaceNotWatched])
        #expect(missing.first?.description == "Gateway envoy-gateway-system/ai-gateway (spec.gatewayRef) is in namespace \"envoy-gateway-system\", which the operator does not watch (add it to --namespace / the chart's watchNamespaces)")
    }

    @Test("a missing Secret is reported by name, namespace and the field that references it")
    func missingSecret() throws {
        let route = try ControllerFixtures.decoded(try ControllerFixtures.storedRoute())
        let objects = ControllerFixtures.momReferences().filter { $0["kind"]?.stringValue != "Secret" }
        let missing = Self.resolver(objects).missing(RouteReference.all(of: route))
        #expect(missing.count == 1)
        #expect(missing[0].reason == .secretNotFound)
        #expect(missing[0].description == "Secret llm/openai-key (spec.backends[2].auth.apiKey.secretRef) not found")
    }

    @Test("a Secret without the key AI Gateway reads is reported with that key")
    func missingKey() throws {
        let route = try ControllerFixtures.decoded(try ControllerFixtures.storedRoute())
        var objects = ControllerFixtures.momReferences().filter { $0["kind"]?.stringValue != "Secret" }
        objects.append(ControllerFixtures.secret("llm", "openai-key", keys: ["token"]))
        let missing = Self.resolver(objects).missing(RouteReference.all(of: route))
        #expect(missing.map(\.reason) == [.secretKeyNotFound])
        #expect(missing[0].description.contains("has no key \"apiKey\""))
    }

    @Test("a Service without the referenced port, and a Gateway without the listener, are reported")
    func portAndListener() throws {
        let route = try ControllerFixtures.decoded(try ControllerFixtures.storedRoute())
        let objects = [ControllerFixtures.gateway(listeners: ["https"]), ControllerFixtures.secret("llm", "openai-key", keys: ["apiKey"]),
                       ControllerFixtures.service("models", "vllm-math", ports: [9000]),
                       ControllerFixtures.service("models", "vllm-math-next", ports: [8000])]
        let missing = Self.resolver(objects).missing(RouteReference.all(of: route))
        #expect(missing.map(\.reason) == [.listenerNotFound, .servicePortNotFound])
        #expect(missing[0].description == "Gateway envoy-gateway-system/ai-gateway (spec.gatewayRef) has no listener \"http\"")
        #expect(missing[1].description == "Service models/vllm-math (spec.backends[0].endpoint.service) has no port 8000")
    }

    @Test("a Gateway reference on a cluster without the Gateway API CRDs says the kind is not served")
    func kindNotInstalled() throws {
        let route = try ControllerFixtures.decoded(try ControllerFixtures.storedRoute())
        let missing = Self.resolver(ControllerFixtures.momReferences(), served: [.secret, .service]).missing(RouteReference.all(of: route))
        #expect(missing.map(\.reason) == [.kindNotInstalled])
        #expect(missing[0].description.contains("does not serve Gateway"))
    }

    @Test("a Secret referenced by two backends is reported once")
    func deduplicated() {
        let refs = [
            RouteReference(kind: .secret, namespace: "a", name: "k", field: "spec.backends[0].auth.apiKey.secretRef", detail: "apiKey"),
            RouteReference(kind: .secret, namespace: "a", name: "k", field: "spec.backends[1].auth.apiKey.secretRef", detail: "apiKey"),
        ]
        #expect(Self.resolver([]).missing(refs).count == 1)
    }
}
