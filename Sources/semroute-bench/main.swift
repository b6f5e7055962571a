// semroute-bench: measures what docs/benchmarks.md records. Run in release:
//   swift run -c release semroute-bench render --routes 1000
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
                    domains: d % 2 == 0 ? [DecisionCondition.knownDomains[d % 14]] : nil,
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

func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func benchRender(routes count: Int, rounds: Int) {
    let routes = (0..<count).map(variedRoute)
    for route in routes where !SemanticRouteValidator.validate(route).isEmpty {
        fatalError("bench route \(route.name) is invalid: \(SemanticRouteValidator.validate(route).lines)")
    }
    let renderer = Renderer()
    var objects = 0, bytes = 0
    var times: [Double] = []
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        objects = 0
        bytes = 0
        for route in routes {
            let rendered = renderer.render(route)
            objects += rendered.count
            bytes += YAMLWriter.documents(rendered.map(\.body)).utf8.count
        }
        let elapsed = ContinuousClock.now - start
        times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    times.sort()
    let median = times[times.count / 2]
    print("render+yaml: \(count) routes, \(objects) objects, \(bytes / 1024) KiB per round; \(rounds) rounds")
    print(String(format: "  median %.3f s (%.0f routes/s, %.0f objects/s), best %.3f s, worst %.3f s",
                 median, Double(count) / median, Double(objects) / median, times.first!, times.last!))

    // Strict decode + validation, as `semroute validate` and the operator do per route.
    let documents = routes.map { try! JSONValue.encode($0) }
    let start = ContinuousClock.now
    for document in documents { _ = try? SemanticRouteDecoder.decode(document).get() }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(String(format: "decode+validate: %d routes in %.3f s (%.0f routes/s)", count, seconds, Double(count) / seconds))
    print(String(format: "peak RSS %.1f MiB", peakRSSMiB()))
}

let args = CommandLine.arguments.dropFirst()
guard args.first == "render" else {
    print("usage: semroute-bench render [--routes N] [--rounds R]")
    exit(2)
}
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = args.firstIndex(of: name), i + 1 < args.endIndex, let v = Int(args[i + 1]) else { return fallback }
    return v
}
benchRender(routes: option("--routes", 1000), rounds: option("--rounds", 5))
