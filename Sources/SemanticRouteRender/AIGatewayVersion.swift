import KubeCore
import SemanticRouteAPI

/// The Envoy AI Gateway release rendered objects target. A field the target does not have is never rendered
/// (an older API server would prune it, or reject the object with strict validation). The operator detects the
/// target from the installed AIGatewayRoute CRD; `semroute render --ai-gateway-version` sets it by hand.
public enum AIGatewayVersion: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case v1_1 = "v1.1"
    case v1_2 = "v1.2"

    public var description: String { rawValue }

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// AIGatewayRoute `spec.rules[].excludeFromModelsEndpoint` (v1.2): the per-decision aliases, which only the
    /// classifier writes, are hidden from the gateway's `/v1/models`.
    public var hidesRulesFromModels: Bool { self >= .v1_2 }

    /// The first release whose AIServiceBackend accepts `schema` (its `spec.schema.name` enum lists it).
    public static func introducing(_ schema: APISchema.Name) -> AIGatewayVersion {
        switch schema {
        case .awsOpenAI: .v1_2
        case .openAI, .cohere, .awsBedrock, .azureOpenAI, .gcpVertexAI, .gcpAnthropic, .anthropic, .awsAnthropic: .v1_1
        }
    }

    /// `1.2`, `v1.2` or a patch release such as `v1.2.3`; nil for anything else.
    public init?(parsing text: String) {
        var t = Substring(text)
        if t.hasPrefix("v") { t = t.dropFirst() }
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else { return nil }
        guard let version = Self(rawValue: "v\(parts[0]).\(parts[1])") else { return nil }
        self = version
    }

    /// The newest release whose fields the installed AIGatewayRoute CRD (`aigatewayroutes.aigateway.envoyproxy.io`)
    /// has in every served version: a CRD with `excludeFromModelsEndpoint` in its rules is v1.2 or later.
    public static func detect(aiGatewayRouteCRD crd: JSONValue) -> AIGatewayVersion {
        let served = (crd[path: "spec", "versions"]?.arrayValue ?? []).filter { $0["served"]?.boolValue ?? false }
        guard !served.isEmpty else { return .v1_1 }
        let all = served.allSatisfy { version in
            version[path: "schema", "openAPIV3Schema", "properties", "spec", "properties", "rules", "items", "properties",
                    "excludeFromModelsEndpoint"] != nil
        }
        return all ? .v1_2 : .v1_1
    }

    /// The name of the CRD ``detect(aiGatewayRouteCRD:)`` reads.
    public static let aiGatewayRouteCRDName = "aigatewayroutes.aigateway.envoyproxy.io"
}
