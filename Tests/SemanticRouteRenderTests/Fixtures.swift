import Foundation
import KubeEnvtest
import KubeCore
import SemanticRouteAPI
import SemanticRouteRender

/// Paths and loaded fixtures shared by the render tests (loaded once, read-only).
enum Fixtures {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let samplesDirectory = repoRoot.appendingPathComponent("manifests/samples")
    static let goldenDirectory = repoRoot.appendingPathComponent("Tests/SemanticRouteRenderTests/Golden")
    /// The upstream CRDs v1.1 (hack/fetch-upstream-crds.sh, or ../shared/crds); suites that need them skip without.
    static let upstreamDirectory = URL(fileURLWithPath: UpstreamCRDs.directory() ?? "/nonexistent/upstream-crds")

    /// Every sample, as a path relative to `manifests/samples` (e.g. `providers/openai.yaml`), sorted.
    static let samples: [String] = {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: samplesDirectory.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    /// The samples that need a newer AI Gateway release than v1.1, written down by hand, so a test can hold the
    /// renderer's own verdict (``Renderer/unsupported(_:)``) against it.
    static let newerThanV11: [String: AIGatewayVersion] = ["providers/aws-openai.yaml": .v1_2]

    /// The oldest AI Gateway release `sample` renders for.
    static func minimumRelease(_ sample: String) -> AIGatewayVersion { newerThanV11[sample] ?? .v1_1 }

    /// The samples that render for `release`.
    static func samples(for release: AIGatewayVersion) -> [String] {
        samples.filter { minimumRelease($0) <= release }
    }

    static func text(_ sample: String) throws -> String {
        try String(contentsOf: samplesDirectory.appendingPathComponent(sample), encoding: .utf8)
    }

    static func routes(_ sample: String) throws -> [SemanticRoute] {
        try SemanticRouteDecoder.decodeAll(yaml: try text(sample)).get()
    }

    /// The route with a uid, as the operator sees it after the API server stored it.
    static func stored(_ route: SemanticRoute) -> SemanticRoute {
        var r = route
        r.metadata.uid = "6f1c2a7e-0000-4000-8000-\(StableHash.hex64(route.name).prefix(12))"
        return r
    }

    /// The sample's objects rendered for `aiGateway`, by default the oldest release it renders for.
    static func render(_ sample: String, aiGateway: AIGatewayVersion? = nil) throws -> [DesiredObject] {
        let renderer = Renderer(options: .init(aiGateway: aiGateway ?? minimumRelease(sample)))
        return try routes(sample).flatMap { renderer.render(stored($0)) }
    }

    /// The AI Gateway v1.2.0, Envoy Gateway v1.9 and Gateway API v1.6 CRDs, when present.
    static let upstreamV12Directory = URL(fileURLWithPath: UpstreamCRDs.directory(.v1_2) ?? "/nonexistent/upstream-crds-v1.2")
    static let upstreamV12: CustomResourceDefinitionSet? = try? CustomResourceDefinitionSet.load(directory: upstreamV12Directory.path)

    /// The real Envoy AI Gateway v1.1.0, Envoy Gateway v1.8.1 and Gateway API v1.5.1 CRDs.
    static let upstream: CustomResourceDefinitionSet? = try? CustomResourceDefinitionSet.load(directory: upstreamDirectory.path)

    /// The raw text of an upstream CRD file, for asserting which CEL rules it states.
    static func upstreamText(_ file: String) throws -> String {
        try String(contentsOf: upstreamDirectory.appendingPathComponent(file), encoding: .utf8)
    }

    /// A route with every optional field, built in Swift (independent of the sample files).
    static func route(name: String = "mom", namespace: String = "llm", _ edit: (inout SemanticRouteSpec) -> Void = { _ in }) -> SemanticRoute {
        var spec = SemanticRouteSpec(
            gatewayRef: GatewayReference(name: "ai-gateway", namespace: "envoy-gateway-system"),
            model: "MoM",
            backends: [
                Backend(name: "local", model: "qwen", provider: .selfHosted,
                        endpoint: BackendEndpoint(service: .init(name: "vllm", port: 8000))),
                Backend(name: "openai", model: "gpt-4o-mini", provider: .openAI,
                        auth: BackendAuth(apiKey: .init(secretRef: SecretKeyReference(name: "openai-key")))),
            ],
            decisions: [Decision(name: "math", when: DecisionCondition(keywords: .init(any: ["integral"])),
                                 targets: [Target(backend: "local")])],
            defaultTargets: [Target(backend: "openai")])
        edit(&spec)
        return stored(SemanticRoute(name: name, namespace: namespace, spec: spec))
    }
}

extension DesiredObject {
    subscript(path keys: String...) -> JSONValue? {
        var v: JSONValue? = body
        for k in keys { v = v?[k] }
        return v
    }
}
