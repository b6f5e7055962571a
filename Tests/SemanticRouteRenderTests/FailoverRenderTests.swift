import KubeCore
import SemanticRouteAPI
import SemanticRouteRender
import Testing

/// Health-aware failover as rendered: passive ejection on every route, an active probe only where every backend
/// is SelfHosted, panic routing off for ActiveActive, and circuit breakers on the route's clusters.
@Suite("Failover rendering", .timeLimit(.minutes(3)))
struct FailoverRenderTests {
    static func policy(_ route: SemanticRoute) throws -> DesiredObject {
        try #require(Renderer().render(route).first { $0.kind == "BackendTrafficPolicy" })
    }

    /// Two in-cluster vLLM backends and nothing hosted.
    static func selfHosted(_ edit: (inout SemanticRouteSpec) -> Void = { _ in }) -> SemanticRoute {
        Fixtures.route { spec in
            spec.backends = ["a", "b"].map {
                Backend(name: $0, model: "qwen", provider: .selfHosted, endpoint: BackendEndpoint(service: .init(name: "vllm-\($0)", port: 8000)))
            }
            spec.decisions = nil
            spec.defaultTargets = [Target(backend: "a"), Target(backend: "b")]
            edit(&spec)
        }
    }

    @Test("a route that says nothing about failover still ejects failing hosts, on the documented defaults, with the limits explicit")
    func defaults() throws {
        let policy = try Self.policy(Fixtures.route())
        #expect(policy[path: "spec", "targetRefs"] == [["group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "mom"]])
        #expect(policy[path: "spec", "healthCheck"] == ["passive": [
            "consecutive5XxErrors": 3, "consecutiveGatewayErrors": 3, "interval": "5s", "baseEjectionTime": "30s",
            "maxEjectionPercent": 100,
        ]], "the fixture route has a hosted backend: no active probe, and ActivePassive keeps Envoy's panic threshold")
        #expect(policy[path: "spec", "circuitBreaker"] == ["maxConnections": 1024, "maxPendingRequests": 1024, "maxParallelRequests": 1024])
        #expect(policy[path: "spec", "retry"] == nil, "no retry was asked for and there is no fallback tier")
    }

    @Test("every backend SelfHosted: Envoy probes GET /health by default; enabled: false turns the probe off, passive ejection stays")
    func activeProbe() throws {
        let probed = try Self.policy(Self.selfHosted())
        #expect(probed[path: "spec", "healthCheck", "active"] == [
            "type": "HTTP", "http": ["path": "/health", "expectedStatuses": [200]], "interval": "5s", "timeout": "3s",
            "unhealthyThreshold": 3, "healthyThreshold": 2,
        ])
        let custom = try Self.policy(Self.selfHosted {
            $0.failover = FailoverPolicy(healthCheck: .init(path: "/v1/models", interval: "10s", unhealthyThreshold: 2))
        })
        #expect(custom[path: "spec", "healthCheck", "active", "http", "path"] == "/v1/models")
        #expect(custom[path: "spec", "healthCheck", "active", "interval"] == "10s")
        #expect(custom[path: "spec", "healthCheck", "active", "unhealthyThreshold"] == 2)
        #expect(custom[path: "spec", "healthCheck", "active", "timeout"] == "3s", "fields left out keep their defaults")
        let off = try Self.policy(Self.selfHosted { $0.failover = FailoverPolicy(healthCheck: .init(enabled: false)) })
        #expect(off[path: "spec", "healthCheck", "active"] == nil)
        #expect(off[path: "spec", "healthCheck", "passive"] != nil)
    }

    @Test("ActiveActive turns Envoy's panic routing off; ActivePassive leaves it at Envoy's 50%")
    func panic() throws {
        let active = try Self.policy(Self.selfHosted { $0.failover = FailoverPolicy(mode: .activeActive) })
        #expect(active[path: "spec", "healthCheck", "panicThreshold"] == 0)
        let passive = try Self.policy(Self.selfHosted { $0.failover = FailoverPolicy(mode: .activePassive) })
        #expect(passive[path: "spec", "healthCheck", "panicThreshold"] == nil)
    }

    @Test("ejection and circuit-breaker settings reach the policy; unset ones keep their defaults")
    func settings() throws {
        let policy = try Self.policy(Fixtures.route {
            $0.failover = FailoverPolicy(ejection: .init(consecutiveErrors: 7, baseEjectionTime: "1m"),
                                         circuitBreaker: .init(maxParallelRequests: 64))
        })
        #expect(policy[path: "spec", "healthCheck", "passive"] == [
            "consecutive5XxErrors": 7, "consecutiveGatewayErrors": 7, "interval": "5s", "baseEjectionTime": "1m",
            "maxEjectionPercent": 100,
        ])
        #expect(policy[path: "spec", "circuitBreaker"] == ["maxConnections": 1024, "maxPendingRequests": 1024, "maxParallelRequests": 64])
    }

    @Test("the validator refuses fallback tiers under ActiveActive, a probe on a route with a hosted backend, and zero durations")
    func validation() {
        let tiers = Fixtures.route {
            $0.failover = FailoverPolicy(mode: .activeActive)
            $0.defaultTargets = [Target(backend: "openai"), Target(backend: "local", priority: 1)]
        }
        #expect(SemanticRouteValidator.validate(tiers).map(\.path.description) == ["spec.failover.mode"])
        let hosted = Fixtures.route { $0.failover = FailoverPolicy(healthCheck: .init(path: "/health")) }
        let errors = SemanticRouteValidator.validate(hosted)
        #expect(errors.map(\.path.description) == ["spec.failover.healthCheck"])
        #expect(errors.first?.detail.contains("backends[1] is OpenAI") == true, "\(errors.lines)")
        let off = Fixtures.route { $0.failover = FailoverPolicy(healthCheck: .init(enabled: false)) }
        #expect(SemanticRouteValidator.validate(off).isEmpty, "a probe turned off is no probe")
        let zero = Self.selfHosted { $0.failover = FailoverPolicy(ejection: .init(interval: "0s"), healthCheck: .init(timeout: "0ms")) }
        #expect(SemanticRouteValidator.validate(zero).map(\.path.description) == ["spec.failover.ejection.interval", "spec.failover.healthCheck.timeout"])
    }
}
