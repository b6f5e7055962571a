import KubeCore
import SemanticRouteAPI
import Testing

@Suite("Generated CRD", .timeLimit(.minutes(2)))
struct CRDTests {
    static let crd = SemanticRouteCRD.json
    static let version = crd["spec"]?["versions"]?.arrayValue?.first

    @Test("names: plural, short name sroute, category semroute, namespaced")
    func names() {
        let names = Self.crd["spec"]?["names"]
        #expect(names?["plural"] == "semanticroutes" && names?["kind"] == "SemanticRoute")
        #expect(names?["shortNames"] == ["sroute"] && names?["categories"] == ["semroute"])
        #expect(Self.crd["spec"]?["scope"] == "Namespaced")
    }

    @Test("status and scale subresources map to spec.classifier.replicas and status.classifier")
    func subresources() {
        let sub = Self.version?["subresources"]
        #expect(sub?["status"] == [:])
        #expect(sub?["scale"]?["specReplicasPath"] == ".spec.classifier.replicas")
        #expect(sub?["scale"]?["statusReplicasPath"] == ".status.classifier.replicas")
        #expect(sub?["scale"]?["labelSelectorPath"] == ".status.classifier.selector")
        // The paths exist in the schema with the types the API server requires.
        let schema = SemanticRoute.schema
        #expect(schema.properties["spec"]?.properties["classifier"]?.properties["replicas"]?.type == "integer")
        #expect(schema.properties["status"]?.properties["classifier"]?.properties["selector"]?.type == "string")
    }

    @Test("printer columns: Model, Decisions, Backends, Classifier, Ready, Rollout, Age")
    func columns() {
        let names = (Self.version?["additionalPrinterColumns"]?.arrayValue ?? []).filter { $0["priority"] == nil }.compactMap { $0["name"]?.stringValue }
        #expect(names == ["Model", "Decisions", "Backends", "Classifier", "Ready", "Rollout", "Age"])
    }

    /// Walks every schema node with its path.
    static func walk(_ s: JSONSchema, _ path: String, _ visit: (JSONSchema, String) -> Void) {
        visit(s, path)
        for (name, child) in s.orderedProperties { walk(child, "\(path).\(name)", visit) }
        if let items = s.items { walk(items, "\(path)[]", visit) }
        if let values = s.mapValues { walk(values, "\(path){}", visit) }
    }

    @Test("every field has a description, so kubectl explain helps")
    func descriptions() {
        var missing: [String] = []
        Self.walk(SemanticRoute.schema, "") { s, path in
            if s.description?.isEmpty ?? true, !path.hasSuffix("[]"), !path.hasSuffix("{}"), path != ".metadata" { missing.append(path) }
        }
        #expect(missing.isEmpty, "\(missing)")
    }

    @Test("the schema is structural: every node has a type, except int-or-string")
    func structural() {
        var untyped: [String] = []
        Self.walk(SemanticRoute.schema, "") { s, path in
            if s.type == nil, !s.intOrString { untyped.append(path) }
        }
        #expect(untyped.isEmpty, "\(untyped)")
    }

    @Test("every list a CEL rule reads has maxItems (bounded rule cost)")
    func boundedLists() {
        var unbounded: [String] = []
        Self.walk(SemanticRoute.schema, "") { s, path in
            if s.type == "array", s.maxItems == nil, !path.hasPrefix(".status") { unbounded.append(path) }
            if s.type == "string", s.maxLength == nil, s.enumValues == nil, s.pattern == nil, !path.hasPrefix(".status"), path != ".apiVersion", path != ".kind" {
                unbounded.append(path)
            }
        }
        #expect(unbounded.isEmpty, "\(unbounded)")
    }

    @Test("list-map keys are required in their items (the API server rejects the CRD otherwise)")
    func listMapKeys() {
        Self.walk(SemanticRoute.schema, "") { s, path in
            guard s.listType == "map", let keys = s.listMapKeys, let items = s.items else { return }
            for key in keys { #expect(items.required.contains(key) || items.properties[key]?.defaultValue != nil, "\(path) key \(key)") }
        }
    }

    @Test("the cross-field rules of DESIGN are stated as CEL in the CRD")
    func celRules() {
        var rules: [String] = []
        Self.walk(SemanticRoute.schema, "") { s, _ in rules += s.validations.map(\.rule) }
        for fragment in ["has(self.service) != has(self.url)", "self.backends.exists(b, b.name == t.backend)",
                         ".filter(x, x).size() == 1", "self.minReplicas <= self.maxReplicas"] {
            #expect(rules.contains { $0.contains(fragment) }, "missing rule with \(fragment)")
        }
        #expect(SemanticRoute.schema.properties["spec"]?.properties["decisions"]?.maxItems == 14)
    }

    @Test("schema defaults agree with the defaults render applies")
    func defaultsAgree() throws {
        let minimal: JSONValue = try YAMLReader.document("""
        apiVersion: semroute.io/v1alpha1
        kind: SemanticRoute
        metadata: {name: r, namespace: n}
        spec:
          gatewayRef: {name: gw}
          model: M
          backends: [{name: a, model: m, provider: SelfHosted, endpoint: {service: {name: s, port: 80}}}]
          decisions: [{name: d, when: {keywords: {any: [x]}, examples: {utterances: [u]}}, targets: [{backend: a}], reasoning: {}}]
          defaultTargets: [{backend: a}]
          cache: {}
          retry: {}
          failover: {ejection: {}, healthCheck: {}, circuitBreaker: {}}
          rollouts: [{name: canary, stable: a, candidate: b, analysis: {}}]
          classifier: {autoscaling: {maxReplicas: 3}}
          safety: {jailbreak: {action: Block}}
        """)
        let serverDefaulted = try SchemaValidator(SemanticRoute.schema).applyingDefaults(minimal).decode(SemanticRoute.self)
        let swiftDefaulted = try minimal.decode(SemanticRoute.self).defaulted()
        let a = serverDefaulted.spec, b = swiftDefaulted.spec
        #expect(a.gatewayRef.listener == b.gatewayRef.listener)
        #expect(a.decisions?[0].priority == b.decisions?[0].priority)
        #expect(a.decisions?[0].targets == b.decisions?[0].targets)
        #expect(a.decisions?[0].when.keywords == b.decisions?[0].when.keywords)
        #expect(a.decisions?[0].when.examples == b.decisions?[0].when.examples)
        #expect(a.decisions?[0].reasoning == b.decisions?[0].reasoning)
        #expect(a.defaultTargets == b.defaultTargets)
        #expect(a.cache == b.cache)
        #expect(a.retry == b.retry)
        #expect(a.failover == b.failover && a.failover?.healthCheck?.path == "/health")
        #expect(a.safety?.jailbreak == b.safety?.jailbreak)
        #expect(a.rollouts == b.rollouts && a.rollouts?[0].steps == Rollout.defaultSteps)
        #expect(a.classifier?.autoscaling == b.classifier?.autoscaling)
        #expect(a.classifier?.failOpen == b.classifier?.failOpen && a.classifier?.timeout == b.classifier?.timeout)
    }

    @Test("the committed docs/api.md documents every spec field")
    func apiDocs() throws {
        var fields: [String] = []
        Self.walk(SemanticRoute.schema.properties["spec"]!, "spec") { _, path in
            if !path.contains(".when.anyOf"), !path.contains(".when.allOf"), !path.contains(".when.not"), !path.hasSuffix("[]"), !path.hasSuffix("{}") {
                fields.append(path.replacingOccurrences(of: "[]", with: ""))
            }
        }
        let generated = APIReference.markdown(examples: [])
        for field in fields.dropFirst() {
            let parent = String(field[..<field.lastIndex(of: ".")!]), name = String(field[field.index(after: field.lastIndex(of: ".")!)...])
            #expect(generated.contains("## `\(parent)`") && generated.contains("| `\(name)`"), "\(field) undocumented")
        }
    }

    @Test("docs/api.md lists each cross-field rule once under its object")
    func apiDocsRulesOnce() {
        let generated = APIReference.markdown(examples: [])
        let sections = generated.components(separatedBy: "\n## ").dropFirst()
        #expect(sections.contains { $0.contains("Rules:\n") }, "no section lists rules")
        for section in sections {
            let heading = section.prefix { $0 != "\n" }
            let rules = section.split(separator: "\n").drop { $0 != "Rules:" }.dropFirst().prefix { $0.hasPrefix("- ") }
            #expect(Set(rules).count == rules.count, "\(heading) lists a rule twice: \(Array(rules))")
        }
    }
}
