import KubeCore
import SemanticRouteAPI
import SemanticRouteRender
import Testing

/// Progressive canaries as rendered: the candidate's share of the stable backend's weight in the decision's
/// AIGatewayRoute rule, at the weight the operator's state machine decided; and the validator's rules.
@Suite("Rollout rendering", .timeLimit(.minutes(3)))
struct RolloutRenderTests {
    /// The default rule's priority-0 backendRefs as (backend, weight), and its fallback tier's backends.
    static func defaultRule(_ route: SemanticRoute, weights: [String: Int] = [:]) throws -> (primary: [String: Int], fallback: [String]) {
        let objects = Renderer().render(route, rolloutWeights: weights)
        let gatewayRoute = try #require(objects.first { $0.kind == "AIGatewayRoute" })
        let rule = try #require(gatewayRoute.body[path: "spec", "rules"]?.arrayValue?.first { $0["name"] == "default" })
        let refs = rule["backendRefs"]?.arrayValue ?? []
        var primary: [String: Int] = [:]
        for ref in refs where ref["priority"]?.intValue == 0 {
            primary[ref["name"]?.stringValue ?? ""] = Int(ref["weight"]?.intValue ?? -1)
        }
        return (primary, refs.filter { $0["priority"]?.intValue != 0 }.compactMap { $0["name"]?.stringValue })
    }

    @Test("the candidate gets the step's percentage of the stable backend's weight; 0% leaves it out, 100% leaves the stable one out; fallbacks stay")
    func weights() throws {
        let route = try #require(try Fixtures.routes("rollout.yaml").first)
        // Offline (no operator state): the first step.
        #expect(try Self.defaultRule(route).primary == ["rollout-qwen25-7b": 19, "rollout-qwen3-8b": 1])
        #expect(try Self.defaultRule(route, weights: ["qwen3": 25]).primary == ["rollout-qwen25-7b": 3, "rollout-qwen3-8b": 1])
        #expect(try Self.defaultRule(route, weights: ["qwen3": 50]).primary == ["rollout-qwen25-7b": 1, "rollout-qwen3-8b": 1])
        #expect(try Self.defaultRule(route, weights: ["qwen3": 0]).primary == ["rollout-qwen25-7b": 1])
        // A candidate that is also a fallback target leaves the fallback tier while it has a share (once per rule).
        var withFallback = route
        withFallback.spec.defaultTargets.append(Target(backend: "qwen3-8b", priority: 2))
        #expect(try Self.defaultRule(withFallback, weights: ["qwen3": 25]).fallback == ["rollout-qwen25-coder"])
        #expect(try Self.defaultRule(withFallback, weights: ["qwen3": 0]).fallback == ["rollout-qwen25-coder", "rollout-qwen3-8b"])
        #expect(try Self.defaultRule(route, weights: ["qwen3": 100]).primary == ["rollout-qwen3-8b": 1])
        for w in [0, 5, 50, 100] {
            #expect(try Self.defaultRule(route, weights: ["qwen3": w]).fallback == ["rollout-qwen25-coder"])
        }
        // The decision the rollout does not shift is untouched.
        let objects = Renderer().render(route, rolloutWeights: ["qwen3": 50])
        let code = objects.first { $0.kind == "AIGatewayRoute" }?.body[path: "spec", "rules"]?.arrayValue?.first { $0["name"] == "code" }
        #expect(code?["backendRefs"]?.arrayValue?.map { $0["name"]?.stringValue } == ["rollout-qwen25-coder"])
    }

    @Test("other priority-0 targets keep their share: only the stable backend's part moves")
    func sharedDecision() throws {
        var route = try #require(try Fixtures.routes("rollout.yaml").first)
        route.spec.defaultTargets = [Target(backend: "qwen25-7b", weight: 3), Target(backend: "qwen25-coder", weight: 1)]
        // 25% of the stable 3 (of 4) is 0.75 of 4: 2.25 : 0.75 : 1 = 9 : 3 : 4.
        let primary = try Self.defaultRule(route, weights: ["qwen3": 25]).primary
        #expect(primary == ["rollout-qwen25-7b": 9, "rollout-qwen3-8b": 3, "rollout-qwen25-coder": 4])
        let total = Double(primary.values.reduce(0, +))
        #expect(abs(Double(primary["rollout-qwen25-coder"]!) / total - 0.25) < 1e-9, "the other target keeps 25%")
    }

    @Test("every weight the operator can pick renders a valid AIGatewayRoute for both releases", .enabled(if: Fixtures.upstream != nil))
    func upstreamSchema() throws {
        let route = try #require(try Fixtures.routes("rollout.yaml").first)
        for (version, crds) in [(AIGatewayVersion.v1_1, Fixtures.upstream), (.v1_2, Fixtures.upstreamV12)] {
            guard let crds else { continue }
            for w in [0, 5, 25, 50, 100] {
                let objects = Renderer(options: .init(aiGateway: version)).render(route, rolloutWeights: ["qwen3": w])
                let gatewayRoute = try #require(objects.first { $0.kind == "AIGatewayRoute" })
                #expect(crds.validate(gatewayRoute.body).isEmpty, "\(version) at \(w)%")
            }
        }
    }

    @Test("the validator refuses a stable backend that is not a primary target, a candidate that already is, the same model on both, a split decision, unsorted steps")
    func validation() throws {
        let base = try #require(try Fixtures.routes("rollout.yaml").first)
        #expect(SemanticRouteValidator.validate(base).isEmpty)
        func errors(_ edit: (inout SemanticRouteSpec) -> Void) -> [String] {
            var route = base
            edit(&route.spec)
            return SemanticRouteValidator.validate(route).map { "\($0.path): \($0.detail)" }
        }
        #expect(errors { $0.rollouts![0].stable = "qwen25-coder" }.first?.hasPrefix("spec.rollouts[0].stable: must be a priority-0 target of the decision default") == true)
        #expect(errors { $0.rollouts![0].candidate = "qwen25-7b" } == ["spec.rollouts[0].candidate: must differ from stable"])
        #expect(errors { $0.defaultTargets.append(Target(backend: "qwen3-8b")) } == ["spec.rollouts[0].candidate: is already a priority-0 target of the decision default"])
        #expect(errors { $0.backends[1].model = $0.backends[0].model }.first?.contains("serves the same model as stable") == true)
        #expect(errors { $0.rollouts![0].decision = "nope" }.map { $0.prefix(34) } == ["spec.rollouts[0].decision: no deci"])
        #expect(errors { $0.rollouts![0].steps = [5, 50, 25] } == ["spec.rollouts[0].steps: steps must be strictly increasing (50 then 25)"])
        #expect(errors { $0.rollouts![0].steps = [100] } == ["spec.rollouts[0].steps: at least one step must be below 100 (100, the promotion, follows the last step)"])
        #expect(errors { $0.backends[2].model = $0.backends[1].model }.first?.hasPrefix("spec.rollouts[0].decision: its target qwen25-coder serves Qwen/Qwen3-8B") == true)
        #expect(errors {
            $0.experiments = [Experiment(name: "e", decision: "default", header: "x-user-id",
                                         arms: [.init(name: "a", backend: "qwen25-7b"), .init(name: "b", backend: "qwen3-8b")])]
        } == ["spec.rollouts[0].decision: an experiment splits this decision; a decision takes an experiment or a rollout, not both"])
        #expect(errors { $0.rollouts!.append(Rollout(name: "again", stable: "qwen25-7b", candidate: "qwen25-coder")) }
            .contains("spec.rollouts[1].decision: rollouts[0] already shifts this decision"))
    }
}
