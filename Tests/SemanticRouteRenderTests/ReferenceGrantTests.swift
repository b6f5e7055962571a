import KubeCore
import SemanticRouteRender
import Testing

/// AI Gateway v1.2 (and Envoy Gateway, Gateway API) accept a reference into another namespace only with a
/// ReferenceGrant there. semroute renders no such reference, for either release: the one reference that crosses
/// namespaces is an AIGatewayRoute's `parentRefs` to its Gateway, which the listener's `allowedRoutes` governs
/// (docs/install.md). This walks every rendered object and finds every `namespace` outside `metadata`.
@Suite("No rendered reference needs a ReferenceGrant", .timeLimit(.minutes(5)))
struct ReferenceGrantTests {
    /// `namespace` values found under `value`, with the path to them; `parentRefs` entries are skipped.
    static func namespaces(in value: JSONValue, path: [String] = []) -> [(path: String, namespace: String)] {
        switch value {
        case .object(let object):
            var found: [(String, String)] = []
            for (key, child) in object {
                if path.isEmpty && key == "metadata" { continue }
                if key == "parentRefs" { continue }
                // `…metadata.namespace` inside a spec is an Envoy dynamic-metadata namespace (a rate limit's cost
                // read from `io.envoy.ai_gateway`), not a Kubernetes one.
                if key == "namespace", path.last != "metadata", let ns = child.stringValue {
                    found.append(((path + [key]).joined(separator: "."), ns))
                }
                found += namespaces(in: child, path: path + [key])
            }
            return found
        case .array(let items):
            return items.enumerated().flatMap { namespaces(in: $1, path: path + ["[\($0)]"]) }
        default:
            return []
        }
    }

    @Test("every reference a rendered object makes stays in its own namespace, but the Gateway parentRefs",
          arguments: Fixtures.samples)
    func sameNamespace(sample: String) throws {
        for version in AIGatewayVersion.allCases where version >= Fixtures.minimumRelease(sample) {
            for object in try Fixtures.render(sample, aiGateway: version) {
                for (path, ns) in Self.namespaces(in: object.body) where ns != object.namespace {
                    Issue.record("\(sample) (\(version)): \(object.kind) \(object.namespace)/\(object.name) references namespace \(ns) at \(path)")
                }
            }
        }
    }

    @Test("the walk finds a cross-namespace reference (the check can fail)")
    func negativeControl() {
        let object: JSONValue = ["metadata": ["namespace": "llm"],
                                 "spec": ["rules": [["backendRefs": [["name": "b", "namespace": "models"]]]],
                                          "parentRefs": [["name": "gw", "namespace": "envoy-gateway-system"]],
                                          "cost": ["metadata": ["namespace": "io.envoy.ai_gateway"]]]]
        let found = Self.namespaces(in: object)
        #expect(found.map(\.namespace) == ["models"])
        #expect(found.first?.path == "spec.rules.[0].backendRefs.[0].namespace")
    }
}
