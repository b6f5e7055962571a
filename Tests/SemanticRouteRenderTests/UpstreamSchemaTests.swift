import KubeEnvtest
import KubeCore
import SemanticRouteAPI
import SemanticRouteRender
import Testing
import SemrouteTestSupport

/// Every object render produces for a gateway kind validates against the real upstream CRD schemas
/// (read from ../shared/crds/upstream, unmodified): types, enums, patterns, bounds, required, unknown fields.
@Suite("Rendered objects against the upstream CRDs", .timeLimit(.minutes(10)), .uses(.cpu), .enabled(if: UpstreamCRDs.available(), Comment(rawValue: UpstreamCRDs.missingReason())))
struct UpstreamSchemaTests {
    static let gatewayKinds: Set<String> = [
        "AIGatewayRoute", "AIServiceBackend", "BackendSecurityPolicy", "Backend", "BackendTrafficPolicy",
        "EnvoyPatchPolicy", "ClientTrafficPolicy",
    ]

    @Test("the upstream CRDs load and include every kind render emits")
    func upstreamLoads() throws {
        let crds = try #require(Fixtures.upstream, "could not load \(Fixtures.upstreamDirectory.path)")
        for (apiVersion, kind) in [
            ("aigateway.envoyproxy.io/v1beta1", "AIGatewayRoute"), ("aigateway.envoyproxy.io/v1beta1", "AIServiceBackend"),
            ("aigateway.envoyproxy.io/v1beta1", "BackendSecurityPolicy"), ("gateway.envoyproxy.io/v1alpha1", "Backend"),
            ("gateway.envoyproxy.io/v1alpha1", "BackendTrafficPolicy"), ("gateway.envoyproxy.io/v1alpha1", "EnvoyPatchPolicy"),
            ("gateway.envoyproxy.io/v1alpha1", "ClientTrafficPolicy"),
        ] {
            #expect(crds.entry(apiVersion: apiVersion, kind: kind) != nil, "\(apiVersion) \(kind)")
        }
    }

    @Test("every rendered gateway object passes its upstream schema", arguments: Fixtures.samples(for: .v1_1))
    func validates(sample: String) throws {
        let crds = try #require(Fixtures.upstream)
        let objects = try Fixtures.render(sample)
        #expect(objects.contains { $0.kind == "AIGatewayRoute" })
        for object in objects where Self.gatewayKinds.contains(object.kind) {
            let errors = crds.validate(object.body)
            #expect(errors.isEmpty, "\(sample): \(object.kind)/\(object.name): \(errors.lines.joined(separator: "; "))")
        }
    }

    @Test("every sample passes the generated SemanticRoute CRD as the API server would load it", arguments: Fixtures.samples)
    func sampleAgainstGeneratedCRD(sample: String) throws {
        let crdText = try String(contentsOf: Fixtures.repoRoot.appendingPathComponent("crds/semroute.io_semanticroutes.yaml"), encoding: .utf8)
        let crds = try CustomResourceDefinitionSet(yamlTexts: [crdText])
        for document in try YAMLReader.documents(try Fixtures.text(sample)) {
            let errors = crds.validate(document)
            #expect(errors.isEmpty, "\(sample): \(errors.lines.joined(separator: "; "))")
        }
    }

    @Test("a sample that needs a newer release is refused for v1.1, where its AIServiceBackend would fail the v1.1 schema")
    func newerSamplesRefused() throws {
        let crds = try #require(Fixtures.upstream)
        let newer = Fixtures.samples.filter { Fixtures.minimumRelease($0) > .v1_1 }
        #expect(!newer.isEmpty)
        for sample in newer {
            let routes = try Fixtures.routes(sample)
            let errors = routes.flatMap { Renderer(options: .init(aiGateway: .v1_1)).unsupported($0) }
            #expect(!errors.isEmpty, "\(sample) is not refused for v1.1")
            // What the refusal spares the user: the objects, rendered for v1.1 regardless, fail v1.1's own CRDs.
            let rejected = try Fixtures.render(sample, aiGateway: .v1_1).filter { !crds.validate($0.body).isEmpty }
            #expect(rejected.contains { $0.kind == "AIServiceBackend" }, "\(sample): v1.1 would accept every object")
        }
    }

    @Test("an object that breaks the upstream schema is caught (the check can fail)")
    func negativeControl() throws {
        let crds = try #require(Fixtures.upstream)
        var object = try #require(Renderer().render(Fixtures.route()).first { $0.kind == "AIServiceBackend" })
        object.body["spec"]?["schema"]?["name"] = "NotASchema"
        object.body["spec"]?["surprise"] = true
        let errors = crds.validate(object.body)
        #expect(errors.contains { $0.path == "spec.schema.name" && $0.kind == .notSupported })
        #expect(errors.contains { $0.path == "spec.surprise" && $0.kind == .unknownField })
    }
}
