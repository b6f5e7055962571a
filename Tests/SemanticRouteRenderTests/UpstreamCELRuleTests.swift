import KubeEnvtest
import KubeCore
import SemanticRouteAPI
import SemanticRouteRender
import Testing
import SemrouteTestSupport

/// The upstream CRDs' CEL rules (`x-kubernetes-validations`) that our output could break. The schema
/// validator does not evaluate CEL, so each rule gets a test named after it: the test first checks the
/// rule is still stated in the upstream CRD (so an upstream change is noticed), then checks every object
/// rendered from every sample satisfies it.
@Suite("Upstream CEL rules", .timeLimit(.minutes(10)), .uses(.cpu), .enabled(if: UpstreamCRDs.available(), Comment(rawValue: UpstreamCRDs.missingReason())))
struct UpstreamCELRuleTests {
    static let objects: [DesiredObject] = Fixtures.samples(for: .v1_1).flatMap { (try? Fixtures.render($0)) ?? [] }

    static func of(_ kind: String) -> [DesiredObject] { objects.filter { $0.kind == kind } }

    /// Every CEL rule and message the upstream CRD file states (folded YAML lines joined by the parser).
    static func rules(_ file: String) throws -> [String] {
        func collect(_ v: JSONValue, _ out: inout [String]) {
            switch v {
            case .object(let o):
                for (k, child) in o {
                    if k == "x-kubernetes-validations", let list = child.arrayValue {
                        for r in list { out += [r["rule"]?.stringValue, r["message"]?.stringValue].compactMap { $0 } }
                    } else {
                        collect(child, &out)
                    }
                }
            case .array(let a): a.forEach { collect($0, &out) }
            default: break
            }
        }
        var out: [String] = []
        for doc in try YAMLReader.documents(try Fixtures.upstreamText(file)) { collect(doc, &out) }
        return out
    }

    func stated(_ rule: String, in file: String) throws {
        let all = try Self.rules(file)
        #expect(all.contains { $0.contains(rule) }, "rule no longer in \(file): \(rule)")
    }

    @Test("AIGatewayRoute: only Gateway is supported as parentRefs kind")
    func parentRefsKind() throws {
        try stated("self.all(match, match.kind == 'Gateway')", in: "aigateway.envoyproxy.io_aigatewayroutes.yaml")
        for route in Self.of("AIGatewayRoute") {
            for ref in route[path: "spec", "parentRefs"]?.arrayValue ?? [] { #expect(ref["kind"] == "Gateway", "\(route.name)") }
        }
    }

    @Test("AIGatewayRoute: rule name must be unique within the route")
    func ruleNamesUnique() throws {
        try stated("self.all(r1, !has(r1.name) || self.exists_one(r2, has(r2.name) && r1.name == r2.name))",
                   in: "aigateway.envoyproxy.io_aigatewayroutes.yaml")
        for route in Self.of("AIGatewayRoute") {
            let names = (route[path: "spec", "rules"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            #expect(Set(names).count == names.count, "\(route.name): \(names)")
        }
    }

    @Test("AIGatewayRoute: rule name route-not-found is reserved")
    func routeNotFoundReserved() throws {
        try stated("!has(self.name) || self.name != 'route-not-found'", in: "aigateway.envoyproxy.io_aigatewayroutes.yaml")
        for route in Self.of("AIGatewayRoute") {
            for rule in route[path: "spec", "rules"]?.arrayValue ?? [] { #expect(rule["name"] != "route-not-found") }
        }
    }

    @Test("AIGatewayRoute: at most 15 rules, and the 14-decision sample uses all of them")
    func fifteenRules() throws {
        let crds = try #require(Fixtures.upstream)
        let schema = try #require(crds.entry(apiVersion: "aigateway.envoyproxy.io/v1beta1", kind: "AIGatewayRoute")?.schema)
        #expect(schema.properties["spec"]?.properties["rules"]?.maxItems == 15)
        let counts = Self.of("AIGatewayRoute").map { $0[path: "spec", "rules"]?.arrayValue?.count ?? 0 }
        #expect(counts.allSatisfy { $0 <= 15 })
        #expect(counts.contains(15), "no sample exercises the 15-rule limit")
    }

    @Test("AIGatewayRoute: backendRefs group and kind must be specified together, never mixing InferencePool")
    func backendRefGroupKind() throws {
        try stated("!has(self.group) && !has(self.kind) || (has(self.group) && has(self.kind))", in: "aigateway.envoyproxy.io_aigatewayroutes.yaml")
        for route in Self.of("AIGatewayRoute") {
            for rule in route[path: "spec", "rules"]?.arrayValue ?? [] {
                for ref in rule["backendRefs"]?.arrayValue ?? [] {
                    // AIServiceBackend references carry neither group nor kind.
                    #expect(ref["group"] == nil && ref["kind"] == nil)
                }
            }
        }
    }

    @Test("AIGatewayRoute: backendRequest timeout cannot be longer than request timeout")
    func timeoutOrder() throws {
        try stated("backendRequest timeout cannot be longer than request timeout", in: "aigateway.envoyproxy.io_aigatewayroutes.yaml")
        for route in Self.of("AIGatewayRoute") {
            for rule in route[path: "spec", "rules"]?.arrayValue ?? [] {
                guard let t = rule["timeouts"], let backend = t["backendRequest"]?.stringValue, let request = t["request"]?.stringValue else { continue }
                let b = GoDuration(backend).milliseconds ?? 0, r = GoDuration(request).milliseconds ?? 0
                #expect(r == 0 || b <= r)
            }
        }
    }

    @Test("AIServiceBackend: BackendRef must be a Backend resource of Envoy Gateway")
    func backendRefIsBackend() throws {
        try stated("has(self.kind) && self.kind == 'Backend' && has(self.group) && self.group == 'gateway.envoyproxy.io'",
                   in: "aigateway.envoyproxy.io_aiservicebackends.yaml")
        let backends = Set(Self.of("Backend").map { "\($0.namespace)/\($0.name)" })
        for asb in Self.of("AIServiceBackend") {
            #expect(asb[path: "spec", "backendRef", "kind"] == "Backend")
            #expect(asb[path: "spec", "backendRef", "group"] == "gateway.envoyproxy.io")
            let name = asb[path: "spec", "backendRef", "name"]?.stringValue ?? ""
            #expect(backends.contains("\(asb.namespace)/\(name)"), "\(asb.name) references a Backend render did not emit")
        }
    }

    @Test("BackendSecurityPolicy: when type is X, only the X member is set (every auth type)")
    func typeMatchesMember() throws {
        let members = ["APIKey": "apiKey", "AWSCredentials": "awsCredentials", "AzureAPIKey": "azureAPIKey",
                       "AzureCredentials": "azureCredentials", "GCPCredentials": "gcpCredentials", "AnthropicAPIKey": "anthropicAPIKey"]
        for (type, member) in members {
            try stated("self.type == '\(type)' ? (has(self.\(member))", in: "aigateway.envoyproxy.io_backendsecuritypolicies.yaml")
        }
        var seenTypes: Set<String> = []
        for policy in Self.of("BackendSecurityPolicy") {
            let type = policy[path: "spec", "type"]?.stringValue ?? ""
            seenTypes.insert(type)
            let set = members.values.filter { policy[path: "spec", $0] != nil }
            #expect(set == [members[type] ?? "?"], "\(policy.name): type \(type) with \(set)")
        }
        #expect(seenTypes == Set(members.keys), "samples cover auth types \(seenTypes.sorted())")
    }

    @Test("BackendSecurityPolicy: targetRefs must reference AIServiceBackend or InferencePool resources")
    func securityPolicyTargets() throws {
        try stated("(ref.group == 'aigateway.envoyproxy.io' && ref.kind == 'AIServiceBackend')", in: "aigateway.envoyproxy.io_backendsecuritypolicies.yaml")
        for policy in Self.of("BackendSecurityPolicy") {
            for ref in policy[path: "spec", "targetRefs"]?.arrayValue ?? [] {
                #expect(ref["group"] == "aigateway.envoyproxy.io" && ref["kind"] == "AIServiceBackend")
            }
        }
    }

    @Test("BackendSecurityPolicy: exactly one of clientSecretRef or oidcExchangeToken must be specified")
    func azureSecretOrOIDC() throws {
        try stated("Exactly one of clientSecretRef or oidcExchangeToken must be specified", in: "aigateway.envoyproxy.io_backendsecuritypolicies.yaml")
        for policy in Self.of("BackendSecurityPolicy") {
            guard let azure = policy[path: "spec", "azureCredentials"] else { continue }
            #expect((azure["clientSecretRef"] != nil) != (azure["oidcExchangeToken"] != nil))
        }
    }

    @Test("BackendSecurityPolicy: at most one of credentialsFile or workloadIdentityFederationConfig may be specified")
    func gcpCredentialSource() throws {
        try stated("!(has(self.credentialsFile) && has(self.workloadIdentityFederationConfig))", in: "aigateway.envoyproxy.io_backendsecuritypolicies.yaml")
        for policy in Self.of("BackendSecurityPolicy") {
            guard let gcp = policy[path: "spec", "gcpCredentials"] else { continue }
            #expect(!(gcp["credentialsFile"] != nil && gcp["workloadIdentityFederationConfig"] != nil))
        }
    }

    @Test("Backend: only one of fqdn, ip or unix can be specified, and fqdn addresses are not mixed")
    func backendEndpoints() throws {
        try stated("fqdn addresses cannot be mixed with other address types", in: "gateway.envoyproxy.io_backends.yaml")
        try stated("only one of fqdn, ip or unix can be specified", in: "gateway.envoyproxy.io_backends.yaml")
        for backend in Self.of("Backend") {
            let endpoints = backend[path: "spec", "endpoints"]?.arrayValue ?? []
            #expect(!endpoints.isEmpty, "\(backend.name) has no endpoint")
            for e in endpoints {
                #expect([e["fqdn"], e["ip"], e["unix"]].compactMap { $0 }.count == 1)
                #expect(e["fqdn"] != nil)
            }
        }
    }

    @Test("Backend: must not contain both CACertificateRefs and WellKnownCACertificates")
    func backendTLS() throws {
        try stated("must not contain both CACertificateRefs and WellKnownCACertificates", in: "gateway.envoyproxy.io_backends.yaml")
        for backend in Self.of("Backend") {
            guard let tls = backend[path: "spec", "tls"] else { continue }
            #expect(!(tls["caCertificateRefs"] != nil && tls["wellKnownCACertificates"] != nil))
            #expect(tls["insecureSkipVerify"] == nil)
        }
    }

    @Test("BackendTrafficPolicy: either targetRef or targetRefs, group gateway.networking.k8s.io, kind HTTPRoute")
    func trafficPolicyTargets() throws {
        try stated("has(self.targetRefs) ? self.targetRefs.all(ref, ref.group == 'gateway.networking.k8s.io') : true", in: "gateway.envoyproxy.io_backendtrafficpolicies.yaml")
        #expect(!Self.of("BackendTrafficPolicy").isEmpty)
        for policy in Self.of("BackendTrafficPolicy") {
            #expect(policy[path: "spec", "targetRef"] == nil)
            for ref in policy[path: "spec", "targetRefs"]?.arrayValue ?? [] {
                #expect(ref["group"] == "gateway.networking.k8s.io" && ref["kind"] == "HTTPRoute")
            }
        }
    }

    @Test("BackendTrafficPolicy: only one of number or metadata can be specified in a rate-limit cost")
    func rateLimitCost() throws {
        try stated("!(has(self.number) && has(self.metadata))", in: "gateway.envoyproxy.io_backendtrafficpolicies.yaml")
        try stated("at least one of headers, methods, path, sourceCIDR or queryParams must be specified", in: "gateway.envoyproxy.io_backendtrafficpolicies.yaml")
        var sawLimit = false
        for policy in Self.of("BackendTrafficPolicy") {
            for rule in policy[path: "spec", "rateLimit", "global", "rules"]?.arrayValue ?? [] {
                sawLimit = true
                for phase in ["request", "response"] {
                    guard let cost = rule["cost"]?[phase] else { continue }
                    #expect(!(cost["number"] != nil && cost["metadata"] != nil))
                }
                for selector in rule["clientSelectors"]?.arrayValue ?? [] {
                    #expect(selector["headers"] != nil)
                }
            }
        }
        #expect(sawLimit, "no sample renders a token rate limit")
    }

    @Test("BackendTrafficPolicy: a health checker of type HTTP has http and nothing else; expected statuses are HTTP codes")
    func healthChecker() throws {
        try stated("self.type == 'HTTP' ? has(self.http) : !has(self.http)", in: "gateway.envoyproxy.io_backendtrafficpolicies.yaml")
        try stated("self.type == 'TCP' ? has(self.tcp) : !has(self.tcp)", in: "gateway.envoyproxy.io_backendtrafficpolicies.yaml")
        try stated("has(self.grpc) ? self.type == 'GRPC' : true", in: "gateway.envoyproxy.io_backendtrafficpolicies.yaml")
        var sawActive = false
        for policy in Self.of("BackendTrafficPolicy") {
            #expect(policy[path: "spec", "healthCheck", "passive"] != nil, "\(policy.name): every route ejects failing hosts")
            guard let active = policy[path: "spec", "healthCheck", "active"] else { continue }
            sawActive = true
            #expect(active["type"] == "HTTP" && active["http"]?["path"] != nil && active["tcp"] == nil && active["grpc"] == nil)
        }
        #expect(sawActive, "no sample renders an active health check")
    }

    @Test("ClientTrafficPolicy: targetRefs kind must be Gateway")
    func clientTrafficPolicyTargets() throws {
        try stated("has(self.targetRefs) ? self.targetRefs.all(ref, ref.kind == 'Gateway') : true", in: "gateway.envoyproxy.io_clienttrafficpolicies.yaml")
        for policy in Self.of("ClientTrafficPolicy") {
            for ref in policy[path: "spec", "targetRefs"]?.arrayValue ?? [] {
                #expect(ref["kind"] == "Gateway" && ref["group"] == "gateway.networking.k8s.io")
            }
        }
    }
}
