import ClassifierConfig
import KubeCore
import SemanticRouteAPI
import SemanticRouteRender
import Testing

/// Sticky A/B tests as rendered: one AIGatewayRoute rule per arm, matching exactly the alias the classifier
/// writes for it, with the decision's fallback tiers behind it; the 15-rule limit checked with a clear message.
@Suite("Experiment rendering", .timeLimit(.minutes(3)))
struct ExperimentRenderTests {
    @Test("every arm gets a rule for its alias: its backend first, the decision's fallback tier behind it; hidden from /v1/models on v1.2")
    func rules() throws {
        for version in AIGatewayVersion.allCases {
            let objects = try Fixtures.render("ab-test.yaml", aiGateway: version)
            let route = try #require(objects.first { $0.kind == "AIGatewayRoute" })
            let rules = route[path: "spec", "rules"]?.arrayValue ?? []
            let byName = Dictionary(uniqueKeysWithValues: rules.map { ($0["name"]?.stringValue ?? "", $0) })
            for (arm, backend) in [("control", "ab-test-gpt-4-1"), ("candidate", "ab-test-o4-mini")] {
                let rule = try #require(byName["code.\(arm)"], "\(version): no rule for arm \(arm)")
                #expect(rule["matches"] == [["headers": [["type": "Exact", "name": "x-ai-eg-model", "value": .string("ab-test.code.\(arm)")]]]])
                let refs = rule["backendRefs"]?.arrayValue ?? []
                #expect(refs.map { $0["name"]?.stringValue } == [backend, "ab-test-gpt-4o-mini"])
                #expect(refs.map { $0["priority"]?.intValue } == [0, 1])
                #expect((rule["excludeFromModelsEndpoint"] == true) == (version >= .v1_2))
            }
            #expect(byName["code"] != nil, "requests without the user header keep the decision's own rule")
        }
    }

    @Test("the classifier's arm aliases are exactly the aliases the arm rules match (the contract between the two)")
    func contract() throws {
        let objects = try Fixtures.render("ab-test.yaml")
        let configMap = try #require(objects.first { $0.kind == "ConfigMap" && $0[path: "data", "config.json"] != nil })
        let text = try #require(configMap[path: "data", "config.json"]?.stringValue)
        let config = try JSONParser.parse(text).decode(ClassifierConfig.self)
        let experiment = try #require(config.experiments?.first)
        #expect(experiment.decision == "code" && experiment.header == "x-user-id")
        #expect(experiment.arms.map(\.weight) == [50, 50])
        let route = try #require(objects.first { $0.kind == "AIGatewayRoute" })
        let matched = Set((route[path: "spec", "rules"]?.arrayValue ?? []).flatMap { rule in
            (rule["matches"]?.arrayValue ?? []).compactMap { $0["headers"]?.arrayValue?.first?["value"]?.stringValue }
        })
        for arm in experiment.arms { #expect(matched.contains(arm.alias), "\(arm.alias) has no rule") }
    }

    @Test("the validator counts rules: decisions, the default and every arm must fit AI Gateway's 15, and names the numbers")
    func ruleLimit() throws {
        var route = try #require(try Fixtures.routes("ab-test.yaml").first)
        #expect(SemanticRouteValidator.validate(route).isEmpty)
        route.spec.experiments![0].arms = (0..<14).map { Experiment.Arm(name: "a\($0)", backend: "o4-mini") }
        let errors = SemanticRouteValidator.validate(route)
        #expect(errors.map(\.path.description) == ["spec.experiments"])
        #expect(errors.first?.detail.contains("needs 16: 1 decisions, the default and 14 experiment arms") == true, "\(errors.lines)")
    }

    @Test("the validator refuses an unknown decision or backend, two experiments on one decision, and fewer than two arms")
    func validation() throws {
        let base = try #require(try Fixtures.routes("ab-test.yaml").first)
        func paths(_ edit: (inout SemanticRouteSpec) -> Void) -> [String] {
            var route = base
            edit(&route.spec)
            return SemanticRouteValidator.validate(route).map(\.path.description)
        }
        #expect(paths { $0.experiments![0].decision = "math" } == ["spec.experiments[0].decision"])
        #expect(paths { $0.experiments![0].arms[1].backend = "nope" } == ["spec.experiments[0].arms[1].backend"])
        #expect(paths { $0.experiments!.append(Experiment(name: "again", decision: "code", header: "x-user-id", arms: $0.experiments![0].arms)) }
            == ["spec.experiments[1].decision"])
        #expect(paths { $0.experiments![0].arms.removeLast() } == ["spec.experiments[0].arms"])
    }
}
