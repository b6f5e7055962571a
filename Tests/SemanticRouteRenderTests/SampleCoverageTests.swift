import SemanticRouteAPI
import Testing

/// The samples are the documentation's examples and the goldens' inputs: together they must exercise
/// every provider preset, every auth type and every scenario the API offers.
@Suite("Sample coverage", .timeLimit(.minutes(3)))
struct SampleCoverageTests {
    static let routes: [SemanticRoute] = Fixtures.samples.flatMap { (try? Fixtures.routes($0)) ?? [] }
    static var specs: [SemanticRouteSpec] { routes.map(\.spec) }

    @Test("every sample decodes strictly")
    func allDecode() throws {
        for sample in Fixtures.samples { #expect(throws: Never.self, "\(sample)") { _ = try Fixtures.routes(sample) } }
    }

    @Test("every provider preset and every auth type appears")
    func providersAndAuth() {
        let backends = Self.specs.flatMap(\.backends)
        #expect(Set(backends.map(\.provider)) == Set(ProviderPreset.allCases))
        #expect(Set(backends.flatMap { $0.auth?.kinds ?? [] }) == Set(BackendAuth.Kind.allCases))
        #expect(backends.contains { $0.auth?.awsCredentials != nil && $0.auth?.awsCredentials?.secretRef == nil }, "AWS pod identity")
        #expect(backends.contains { $0.endpoint?.url != nil } && backends.contains { $0.endpoint?.service != nil })
    }

    @Test("token limits cover input, output and total, per header and shared, second to hour; money budgets and failover settings appear")
    func rateLimits() {
        let limits = Self.specs.flatMap { $0.rateLimits ?? [] }
        #expect(Set(limits.compactMap(\.tokens)) == Set(TokenRateLimit.Tokens.allCases))
        #expect(limits.contains { $0.budget != nil } && Self.specs.flatMap(\.backends).contains { $0.pricing != nil })
        #expect(Set(Self.specs.compactMap { $0.failover?.mode }) == Set(FailoverPolicy.Mode.allCases))
        #expect(Self.specs.contains { $0.failover?.healthCheck != nil } && Self.specs.contains { $0.failover?.circuitBreaker != nil })
        #expect(Set(limits.map(\.window)).isSuperset(of: [.second, .minute, .hour]))
        #expect(limits.contains { $0.clientHeader != nil } && limits.contains { $0.clientHeader == nil })
    }

    @Test("failover, weighted canary, shadow, reasoning, safety, cache, autoscaling, cross-namespace gateway appear")
    func scenarios() {
        let targets = Self.specs.flatMap { ($0.decisions ?? []).flatMap(\.targets) + $0.defaultTargets }
        #expect(targets.contains { ($0.priority ?? 0) > 0 }, "failover")
        #expect(targets.contains { ($0.weight ?? 1) > 1 }, "weighted canary")
        #expect(Self.specs.contains { $0.shadow != nil })
        #expect(Self.specs.contains { ($0.decisions ?? []).contains { $0.reasoning != nil } })
        #expect(Self.specs.contains { $0.safety?.pii?.action == .block } && Self.specs.contains { $0.safety?.pii?.action == .redact })
        #expect(Self.specs.contains { $0.safety?.jailbreak != nil })
        #expect(Self.specs.contains { $0.cache?.enabled == true })
        #expect(Self.specs.contains { $0.classifier?.autoscaling != nil })
        #expect(Self.routes.contains { r in r.spec.gatewayRef.namespace.map { $0 != r.namespace } ?? false })
        #expect(Self.specs.contains { ($0.decisions ?? []).count == SemanticRouteSpec.maxDecisions })
        #expect(Self.specs.contains { ($0.decisions ?? []).contains { $0.when.anyOf != nil || $0.when.allOf != nil || $0.when.not != nil } })
    }

    @Test("a sample decides on request headers with every match kind, alone, with keywords and nested")
    func headerDecisions() {
        func all(_ c: DecisionCondition) -> [DecisionCondition] { [c] + (c.anyOf ?? []).flatMap(all) + (c.allOf ?? []).flatMap(all) + (c.not.map(all) ?? []) }
        let conditions = Self.specs.flatMap { ($0.decisions ?? []).flatMap { all($0.when) } }
        let kinds = Set(conditions.flatMap { ($0.headers ?? []).flatMap(\.setKinds) })
        #expect(kinds == Set(DecisionCondition.HeaderMatch.kinds))
        #expect(conditions.contains { $0.headers != nil && $0.keywords != nil })
        #expect(Self.specs.contains { ($0.decisions ?? []).contains { $0.when.anyOf?.contains { $0.headers != nil } ?? false } })
    }
}
