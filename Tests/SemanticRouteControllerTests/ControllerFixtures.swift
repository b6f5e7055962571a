import KubeEnvtest
import Foundation
import KubeCore
import SemanticRouteAPI
import SemanticRouteRender
@testable import SemanticRouteController

/// Samples, stored-route JSON and small builders shared by the controller tests.
enum ControllerFixtures {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let samplesDirectory = repoRoot.appendingPathComponent("manifests/samples")
    /// The upstream CRDs v1.1 (hack/fetch-upstream-crds.sh, or ../shared/crds); suites that need them skip without.
    static let upstreamDirectory = URL(fileURLWithPath: UpstreamCRDs.directory() ?? "/nonexistent/upstream-crds")

    /// A sample as the API server stores it: uid, generation and resourceVersion set.
    static func storedRoute(_ sample: String = "mom.yaml", generation: Int64 = 1, uid: String = "uid-mom") throws -> JSONValue {
        let text = try String(contentsOf: samplesDirectory.appendingPathComponent(sample), encoding: .utf8)
        guard case .object(var object) = try YAMLReader.documents(text)[0],
              case .object(var meta)? = object["metadata"] else { throw FixtureError.notAnObject }
        meta["uid"] = .string(uid)
        meta["generation"] = .int(generation)
        meta["resourceVersion"] = "1"
        object["metadata"] = .object(meta)
        return .object(object)
    }

    static func decoded(_ raw: JSONValue) throws -> SemanticRoute {
        try SemanticRouteDecoder.decode(RouteReconciler.specOnly(raw)).get()
    }

    static func gateway(_ namespace: String = "envoy-gateway-system", _ name: String = "ai-gateway",
                        listeners: [String] = ["http"]) -> JSONValue {
        ["apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
         "metadata": ["name": .string(name), "namespace": .string(namespace)],
         "spec": ["gatewayClassName": "eg",
                  "listeners": .array(listeners.map { ["name": .string($0), "port": 80, "protocol": "HTTP"] })]]
    }

    static func secret(_ namespace: String, _ name: String, keys: [String]) -> JSONValue {
        ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": .string(name), "namespace": .string(namespace)],
         "data": .object(JSONObject(keys.map { ($0, JSONValue.string("")) }))]
    }

    static func service(_ namespace: String, _ name: String, ports: [Int]) -> JSONValue {
        ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name), "namespace": .string(namespace)],
         "spec": ["ports": .array(ports.map { ["port": JSONValue($0)] })]]
    }

    /// Everything mom.yaml references.
    static func momReferences() -> [JSONValue] {
        [gateway(), secret("llm", "openai-key", keys: ["apiKey"]),
         service("models", "vllm-math", ports: [8000]), service("models", "vllm-math-next", ports: [8000])]
    }

    enum FixtureError: Error { case notAnObject }
}
