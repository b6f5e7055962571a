import Foundation
import KubeCore
import SemanticRouteAPI
import SemanticRouteRender

/// 1,000 varied routes: provider mix, 1–14 decisions, rate limits, failover, autoscaling — built in code
/// so the benchmark needs no files. Deterministic (index-derived), so runs are comparable.
func variedRoute(_ i: Int) -> SemanticRoute {
    let presets: [ProviderPreset] = [.openAI, .anthropic, .awsBedrock, .gcpVertexAI, .azureOpenAI, .groq, .mistral, .selfHosted]
    var backends: [Backend] = []
    for b in 0..<(2 + i % 5) {
        let preset = presets[(i + b) % presets.count]
        var backend = Backend(name: "b\(b)", model: "model-\(b)", provider: preset)
        switch preset {
        case .selfHosted: backend.endpoint = BackendEndpoint(service: .init(name: "vllm-\(b)", port: 8000))
        case .awsBedrock: backend.region = "us-east-1"; backend.auth = BackendAuth(awsCredentials: .init(region: "us-east-1"))
        case .gcpVertexAI: backend.region = "us-central1"; backend.auth = BackendAuth(gcpCredentials: .init(projectName: "p", region: "us-central1"))
        case .azureOpenAI:
            backend.endpoint = BackendEndpoint(url: "https://r\(i).openai.azure.com")
            backend.auth = BackendAuth(azureAPIKey: .init(secretRef: .init(name: "azure")))
        case .anthropic: backend.auth = BackendAuth(anthropicAPIKey: .init(secretRef: .init(name: "anthropic")))
        default: backend.auth = BackendAuth(apiKey: .init(secretRef: .init(name: "key-\(b)")))
        }
        backends.append(backend)
    }
    let decisions = (0..<(1 + i % 14)).map { d in
        Decision(name: "d\(d)", priority: d, when: DecisionCondition(
                    domains: d % 2 == 0 ? [DecisionCondition.knownDomains[d % DecisionCondition.knownDomains.count]] : nil,
                    keywords: .init(any: ["word\(d)", "term\(d)"])),
                 targets: [Target(backend: "b\(d % backends.count)", weight: 90), Target(backend: "b\((d + 1) % backends.count)", weight: 10),
                           Target(backend: "b\((d + 2) % backends.count)", priority: 1)].uniqueBackends())
    }
    var spec = SemanticRouteSpec(
        gatewayRef: GatewayReference(name: "gw", namespace: "gateways"), model: "MoM", backends: backends,
        decisions: decisions, defaultTargets: [Target(backend: "b0")])
    if i % 3 == 0 { spec.rateLimits = [TokenRateLimit(name: "u", tokens: .total, limit: 10000, window: .hour, clientHeader: "x-user-id")] }
    if i % 4 == 0 { spec.classifier = ClassifierSpec(autoscaling: .init(minReplicas: 2, maxReplicas: 8)) }
    var route = SemanticRoute(name: "route-\(i)", namespace: "ns-\(i % 20)", spec: spec)
    route.metadata.uid = "00000000-0000-4000-8000-\(String(format: "%012d", i))"
    return route
}

extension Array where Element == Target {
    func uniqueBackends() -> [Target] {
        var seen: Set<String> = []
        return filter { seen.insert($0.backend).inserted }
    }
}

