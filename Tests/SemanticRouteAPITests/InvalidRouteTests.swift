import KubeCore
import SemanticRouteAPI
import Testing

/// A table of invalid SemanticRoutes: each breaks one rule and must be reported at exactly that field.
@Suite("Invalid SemanticRoutes", .timeLimit(.minutes(2)))
struct InvalidRouteTests {
    static let base = """
    apiVersion: semroute.io/v1alpha1
    kind: SemanticRoute
    metadata: {name: mom, namespace: llm}
    spec:
      gatewayRef: {name: ai-gateway}
      model: MoM
      backends:
      - {name: qwen-math, model: qwen, provider: SelfHosted, endpoint: {service: {name: vllm, port: 8000}}}
      - {name: gpt-4o-mini, model: gpt-4o-mini, provider: OpenAI, auth: {apiKey: {secretRef: {name: openai-key}}}}
      - {name: canary, model: qwen-next, provider: SelfHosted, endpoint: {url: "http://vllm-next.models:8000"}}
      decisions:
      - name: math
        when: {keywords: {any: [integral]}}
        targets: [{backend: qwen-math}]
      defaultTargets: [{backend: gpt-4o-mini}]
    """

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let path: String
        let kind: FieldError.Kind?
        let edit: @Sendable (inout JSONValue) -> Void
        var testDescription: String { name }
    }

    static func set(_ path: FieldPath, _ value: JSONValue?) -> @Sendable (inout JSONValue) -> Void {
        { root in root = JSONValue.setting(root, path.components[...], value) }
    }

    static let decision: JSONValue = ["name": "d", "when": ["keywords": ["any": ["x"]]], "targets": [["backend": "qwen-math"]]]

    static let cases: [Case] = [
        Case(name: "model missing", path: "spec.model", kind: .required, edit: set("spec.model", nil)),
        Case(name: "model with whitespace", path: "spec.model", kind: .invalid, edit: set("spec.model", "Mo M")),
        Case(name: "no backends", path: "spec.backends", kind: nil, edit: set("spec.backends", [])),
        Case(name: "backend name not a DNS label", path: "spec.backends[0].name", kind: .invalid, edit: set("spec.backends[0].name", "Qwen_Math")),
        Case(name: "unknown provider", path: "spec.backends[1].provider", kind: .notSupported, edit: set("spec.backends[1].provider", "OpenAl")),
        Case(name: "misspelled backend field", path: "spec.backends[0].modle", kind: .unknownField, edit: set("spec.backends[0].modle", "x")),
        Case(name: "unknown spec field", path: "spec.extra", kind: .unknownField, edit: set("spec.extra", true)),
        Case(name: "target names a missing backend", path: "spec.decisions[0].targets[0].backend", kind: .notFound,
             edit: set("spec.decisions[0].targets[0].backend", "qwen-mth")),
        Case(name: "default target names a missing backend", path: "spec.defaultTargets[0].backend", kind: .notFound,
             edit: set("spec.defaultTargets[0].backend", "gpt-5")),
        Case(name: "duplicate backend name", path: "spec.backends[2]", kind: .duplicate, edit: set("spec.backends[2].name", "qwen-math")),
        Case(name: "duplicate decision name", path: "spec.decisions[1]", kind: .duplicate,
             edit: set("spec.decisions[1]", ["name": "math", "when": ["keywords": ["any": ["y"]]], "targets": [["backend": "qwen-math"]]])),
        Case(name: "decision named default", path: "spec.decisions[0].name", kind: .invalid, edit: set("spec.decisions[0].name", "default")),
        Case(name: "fifteen decisions", path: "spec.decisions", kind: .tooMany, edit: { root in
            root = JSONValue.setting(root, FieldPath("spec.decisions").components[...], .array((0..<15).map { i in
                ["name": .string("d\(i)"), "when": ["keywords": ["any": ["x"]]], "targets": [["backend": "qwen-math"]]]
            }))
        }),
        Case(name: "self-hosted without endpoint", path: "spec.backends[0].endpoint", kind: .required, edit: set("spec.backends[0].endpoint", nil)),
        Case(name: "endpoint with service and url", path: "spec.backends[0].endpoint", kind: .invalid,
             edit: set("spec.backends[0].endpoint.url", "http://vllm:8000")),
        Case(name: "endpoint url with a path", path: "spec.backends[2].endpoint.url", kind: .invalid,
             edit: set("spec.backends[2].endpoint.url", "http://vllm-next:8000/v1")),
        Case(name: "hosted provider without auth", path: "spec.backends[1].auth", kind: .required, edit: set("spec.backends[1].auth", nil)),
        Case(name: "auth type the preset does not take", path: "spec.backends[1].auth.awsCredentials", kind: .invalid,
             edit: set("spec.backends[1].auth", ["awsCredentials": ["region": "us-east-1"]])),
        Case(name: "two auth members", path: "spec.backends[1].auth", kind: .invalid,
             edit: set("spec.backends[1].auth.azureAPIKey", ["secretRef": ["name": "k"]])),
        Case(name: "bedrock without region or endpoint", path: "spec.backends[1].region", kind: .required,
             edit: set("spec.backends[1]", ["name": "bedrock", "model": "m", "provider": "AWSBedrock", "auth": ["awsCredentials": ["region": "us-east-1"]]])),
        Case(name: "secret key AI Gateway does not read", path: "spec.backends[1].auth.apiKey.secretRef.key", kind: .notSupported,
             edit: set("spec.backends[1].auth.apiKey.secretRef.key", "token")),
        Case(name: "negative weight", path: "spec.decisions[0].targets[0].weight", kind: .invalid, edit: set("spec.decisions[0].targets[0].weight", -1)),
        Case(name: "only fallback targets", path: "spec.decisions[0].targets", kind: .invalid, edit: set("spec.decisions[0].targets[0].priority", 1)),
        Case(name: "all weights zero", path: "spec.defaultTargets", kind: .invalid, edit: set("spec.defaultTargets[0].weight", 0)),
        Case(name: "same backend twice in targets", path: "spec.decisions[0].targets[1].backend", kind: .duplicate,
             edit: set("spec.decisions[0].targets[1]", ["backend": "qwen-math"])),
        Case(name: "unknown domain", path: "spec.decisions[0].when.domains[0]", kind: .notSupported, edit: set("spec.decisions[0].when.domains", ["astrology"])),
        Case(name: "empty condition", path: "spec.decisions[0].when", kind: .required, edit: set("spec.decisions[0].when", [:])),
        Case(name: "domain floor without domains", path: "spec.decisions[0].when.domains", kind: .required,
             edit: set("spec.decisions[0].when", ["keywords": ["any": ["integral"]], "domainMinProbability": 0.6])),
        Case(name: "domain floor above 1", path: "spec.decisions[0].when.domainMinProbability", kind: .invalid,
             edit: set("spec.decisions[0].when", ["domains": ["math"], "domainMinProbability": 1.5])),
        Case(name: "keywords without any, all or regex", path: "spec.decisions[0].when.keywords", kind: .required,
             edit: set("spec.decisions[0].when.keywords", ["caseSensitive": true])),
        Case(name: "regex that does not compile", path: "spec.decisions[0].when.keywords.regex[0]", kind: .invalid,
             edit: set("spec.decisions[0].when.keywords.regex", ["(["])),
        Case(name: "similarity threshold above 1", path: "spec.decisions[0].when.examples.threshold", kind: .invalid,
             edit: set("spec.decisions[0].when.examples", ["utterances": ["a"], "threshold": 1.5])),
        Case(name: "conditions nested too deep", path: "spec.decisions[0].when.anyOf[0].anyOf[0].anyOf", kind: .unknownField,
             edit: set("spec.decisions[0].when", ["anyOf": [["anyOf": [["anyOf": [["domains": ["math"]]]]]]]])),
        Case(name: "unknown PII action", path: "spec.safety.pii.action", kind: .notSupported, edit: set("spec.safety", ["pii": ["action": "Drop"]])),
        Case(name: "jailbreak cannot be redacted", path: "spec.safety.jailbreak.action", kind: .notSupported,
             edit: set("spec.safety", ["jailbreak": ["action": "Redact"]])),
        Case(name: "rate limit window of a week", path: "spec.rateLimits[0].window", kind: .notSupported,
             edit: set("spec.rateLimits", [["name": "a", "tokens": "Total", "limit": 10, "window": "Week"]])),
        Case(name: "rate limit of zero tokens", path: "spec.rateLimits[0].limit", kind: .invalid,
             edit: set("spec.rateLimits", [["name": "a", "tokens": "Total", "limit": 0, "window": "Hour"]])),
        Case(name: "duplicate rate limit name", path: "spec.rateLimits[1]", kind: .duplicate,
             edit: set("spec.rateLimits", [["name": "a", "tokens": "Total", "limit": 1, "window": "Hour"], ["name": "a", "tokens": "Input", "limit": 1, "window": "Day"]])),
        Case(name: "client header with a space", path: "spec.rateLimits[0].clientHeader", kind: .invalid,
             edit: set("spec.rateLimits", [["name": "a", "tokens": "Total", "limit": 1, "window": "Hour", "clientHeader": "x user"]])),
        Case(name: "status codes without the retriable-status-codes trigger", path: "spec.retry.statusCodes", kind: .invalid,
             edit: set("spec.retry", ["on": ["5xx"], "statusCodes": [429]])),
        Case(name: "unknown retry trigger", path: "spec.retry.on[0]", kind: .notSupported, edit: set("spec.retry", ["on": ["sometimes"]])),
        Case(name: "unknown retry trigger under triggers", path: "spec.retry.triggers[0]", kind: .notSupported,
             edit: set("spec.retry", ["triggers": ["sometimes"]])),
        Case(name: "triggers and its deprecated alias on together", path: "spec.retry.on", kind: .invalid,
             edit: set("spec.retry", ["triggers": ["5xx"], "on": ["reset"]])),
        Case(name: "status codes without the retriable-status-codes trigger under triggers", path: "spec.retry.statusCodes", kind: .invalid,
             edit: set("spec.retry", ["triggers": ["5xx"], "statusCodes": [429]])),
        Case(name: "timeout not a duration", path: "spec.timeouts.request", kind: .invalid, edit: set("spec.timeouts", ["request": "10 minutes"])),
        Case(name: "shadow to a missing backend", path: "spec.shadow.backend", kind: .notFound, edit: set("spec.shadow", ["backend": "nope", "percent": 5])),
        Case(name: "shadow to a backend with credentials", path: "spec.shadow.backend", kind: .invalid,
             edit: set("spec.shadow", ["backend": "gpt-4o-mini", "percent": 5])),
        Case(name: "shadow above 100 percent", path: "spec.shadow.percent", kind: .invalid, edit: set("spec.shadow", ["backend": "canary", "percent": 150])),
        Case(name: "autoscaling minimum above maximum", path: "spec.classifier.autoscaling.minReplicas", kind: .invalid,
             edit: set("spec.classifier", ["autoscaling": ["minReplicas": 5, "maxReplicas": 2]])),
        Case(name: "classifier image on latest", path: "spec.classifier.image", kind: .invalid,
             edit: set("spec.classifier", ["image": "ghcr.io/semroute/semroute:latest"])),
        Case(name: "untagged classifier image", path: "spec.classifier.image", kind: .invalid, edit: set("spec.classifier", ["image": "semroute"])),
        Case(name: "negative replicas", path: "spec.classifier.replicas", kind: .invalid, edit: set("spec.classifier", ["replicas": -1])),
        Case(name: "alias repeats the model", path: "spec.aliases[0]", kind: .invalid, edit: set("spec.aliases", ["MoM"])),
        Case(name: "uppercase hostname", path: "spec.hostnames[0]", kind: .invalid, edit: set("spec.hostnames", ["LLM.example.com"])),
        Case(name: "wrong apiVersion", path: "apiVersion", kind: .invalid, edit: set("apiVersion", "semroute.io/v1")),
        Case(name: "name not a DNS subdomain", path: "metadata.name", kind: .invalid, edit: set("metadata.name", "MoM")),
        Case(name: "gatewayRef missing", path: "spec.gatewayRef", kind: .required, edit: set("spec.gatewayRef", nil)),
        Case(name: "prefix on a schema that uses version", path: "spec.backends[1].schema.prefix", kind: .invalid,
             edit: set("spec.backends[1].schema", ["name": "Cohere", "prefix": "/v2"])),
        Case(name: "resource quantity that is not one", path: "spec.classifier.resources.requests.cpu", kind: nil,
             edit: set("spec.classifier", ["resources": ["requests": ["cpu": "lots"]]])),
        Case(name: "service port out of range", path: "spec.backends[0].endpoint.service.port", kind: .invalid,
             edit: set("spec.backends[0].endpoint.service.port", 70000)),
        Case(name: "priority of the wrong type", path: "spec.decisions[0].priority", kind: .typeInvalid, edit: set("spec.decisions[0].priority", "high")),
        Case(name: "header match with two kinds", path: "spec.decisions[0].when.headers[0]", kind: .invalid,
             edit: set("spec.decisions[0].when.headers", [["name": "x-tier", "exact": "premium", "prefix": "pre"]])),
        Case(name: "header match with no kind", path: "spec.decisions[0].when.headers[0]", kind: .invalid,
             edit: set("spec.decisions[0].when.headers", [["name": "x-tier"]])),
        Case(name: "header present: false", path: "spec.decisions[0].when.headers[0].present", kind: .invalid,
             edit: set("spec.decisions[0].when.headers", [["name": "x-tier", "present": false]])),
        Case(name: "header regex that does not compile", path: "spec.decisions[0].when.headers[0].regex", kind: .invalid,
             edit: set("spec.decisions[0].when.headers", [["name": "x-tier", "regex": "(["]])),
        Case(name: "header name with a space", path: "spec.decisions[0].when.headers[0].name", kind: .invalid,
             edit: set("spec.decisions[0].when.headers", [["name": "x tier", "exact": "premium"]])),
        Case(name: "pseudo-header name", path: "spec.decisions[0].when.headers[0].name", kind: .invalid,
             edit: set("spec.decisions[0].when.headers", [["name": ":path", "prefix": "/v1"]])),
        Case(name: "header without a name", path: "spec.decisions[0].when.headers[0].name", kind: .required,
             edit: set("spec.decisions[0].when.headers", [["exact": "premium"]])),
        Case(name: "empty headers list", path: "spec.decisions[0].when.headers", kind: nil, edit: set("spec.decisions[0].when.headers", [])),
        Case(name: "misspelled header match kind", path: "spec.decisions[0].when.headers[0].exactly", kind: .unknownField,
             edit: set("spec.decisions[0].when.headers", [["name": "x-tier", "exactly": "premium"]])),
    ]

    @Test("the base route is valid")
    func baseIsValid() throws {
        let json = try YAMLReader.document(Self.base)
        let result = SemanticRouteDecoder.decode(json)
        #expect((try? result.get()) != nil, "\(result)")
    }

    @Test("the table covers at least 30 rules")
    func tableSize() { #expect(Self.cases.count >= 30) }

    @Test("an invalid route is reported at the exact field", arguments: cases)
    func reportsField(_ c: Case) throws {
        var json = try YAMLReader.document(Self.base)
        c.edit(&json)
        guard case .failure(let failure) = SemanticRouteDecoder.decode(json) else {
            Issue.record("\(c.name): accepted")
            return
        }
        let match = failure.errors.first { $0.path.description == c.path && (c.kind == nil || $0.kind == c.kind) }
        #expect(match != nil, "\(c.name): expected \(c.path) \(c.kind.map { "\($0)" } ?? ""), got: \(failure.errors.lines)")
        // Every line reads `path: why`, the path first.
        for line in failure.errors.lines { #expect(!line.hasPrefix(":") && line.contains(": ")) }
    }

    @Test("a header decision decodes, and a header entry with two match kinds is reported with a message naming the kinds")
    func headerDecision() throws {
        var json = try YAMLReader.document(Self.base)
        let headers: JSONValue = [["name": "X-Tier", "exact": "premium"], ["name": "x-batch", "absent": true]]
        json = JSONValue.setting(json, FieldPath("spec.decisions[0].when.headers").components[...], headers)
        let route = try SemanticRouteDecoder.decode(json).get()
        #expect(route.spec.decisions?[0].when.headers == [.init(name: "X-Tier", exact: "premium"), .init(name: "x-batch", absent: true)])
        #expect(route.spec.decisions?[0].when.needsEmbedding == false)

        json = JSONValue.setting(json, FieldPath("spec.decisions[0].when.headers[1]").components[...], ["name": "x-batch", "absent": true, "regex": "1"])
        #expect(SemanticRouteDecoder.decode(json).failureErrors.lines == [
            #"spec.decisions[0].when.headers[1]: Invalid value: regex, absent: exactly one of exact, prefix, regex, present or absent must be set"#,
        ])
    }

    @Test("the unknown-backend message names the known backends")
    func unknownBackendMessage() throws {
        var json = try YAMLReader.document(Self.base)
        json = JSONValue.setting(json, FieldPath("spec.decisions[0].targets[0].backend").components[...], "qwen-mth")
        let errors = SemanticRouteDecoder.decode(json).failureErrors
        #expect(errors.lines == [#"spec.decisions[0].targets[0].backend: Not found: "qwen-mth": no backend of this route has that name; known: qwen-math, gpt-4o-mini, canary"#])
    }
}

extension Result where Failure == SemanticRouteDecoder.Failure {
    var failureErrors: [FieldError] { if case .failure(let f) = self { f.errors } else { [] } }
}

extension JSONValue {
    /// A copy with the value at `path` replaced (`nil` removes it); missing objects are created, and an
    /// index one past the end appends.
    static func setting(_ value: JSONValue, _ path: ArraySlice<FieldPath.Component>, _ new: JSONValue?) -> JSONValue {
        guard let head = path.first else { return new ?? .null }
        switch (head, value) {
        case (.key(let k), .object(var o)):
            let rest = path.dropFirst()
            if rest.isEmpty, new == nil { o[k] = nil } else { o[k] = setting(o[k] ?? .object(JSONObject()), rest, new) }
            return .object(o)
        case (.key, _):
            return setting(.object(JSONObject()), path, new)
        case (.index(let i), .array(var a)):
            let rest = path.dropFirst()
            if i == a.count { a.append(setting(.object(JSONObject()), rest, new)) }
            else if rest.isEmpty, new == nil { a.remove(at: i) }
            else { a[i] = setting(a[i], rest, new) }
            return .array(a)
        default:
            return value
        }
    }
}
