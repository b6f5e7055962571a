import SemanticRouteAPI

/// Progressive canaries: the candidate's weight in a decision's AIGatewayRoute rule.
extension RenderContext {
    /// The candidate's percentage of the stable backend's share for a rollout: what the operator's state machine
    /// decided (``Renderer/render(_:rolloutWeights:)``), else the first step, where a rollout starts.
    func rolloutWeight(_ rollout: Rollout) -> Int {
        min(100, max(0, rolloutWeights[rollout.name] ?? rollout.analysedSteps.first ?? 100))
    }

    /// A decision's targets with its rollout applied: the stable backend's priority-0 weight is split between it
    /// and the candidate by the rollout's percentage, the other priority-0 targets are scaled to keep their
    /// shares, fallback tiers are unchanged (the candidate leaves them while it has a share: a backend appears once
    /// per rule). Weights are divided by their common divisor, so 5% of a lone stable target renders 19 and 1.
    /// At 0% the targets are the spec's, untouched; at 100% the stable backend is left out.
    func shifted(_ targets: [Target], decision: String) -> [Target] {
        guard let rollout = spec.rollouts?.first(where: { $0.effectiveDecision == decision }),
              targets.contains(where: { $0.backend == rollout.stable && $0.effectivePriority == 0 }) else { return targets }
        let p = rolloutWeight(rollout)
        guard p > 0 else { return targets }
        var primaries: [Target] = []
        for t in targets where t.effectivePriority == 0 {
            let w = t.effectiveWeight
            if t.backend == rollout.stable {
                if p < 100 { primaries.append(Target(backend: t.backend, weight: w * (100 - p), priority: 0)) }
                if p > 0 { primaries.append(Target(backend: rollout.candidate, weight: w * p, priority: 0)) }
            } else {
                primaries.append(Target(backend: t.backend, weight: w * 100, priority: 0))
            }
        }
        let divisor = primaries.reduce(0) { Self.gcd($0, $1.effectiveWeight) }
        if divisor > 1 {
            primaries = primaries.map { Target(backend: $0.backend, weight: $0.effectiveWeight / divisor, priority: 0) }
        }
        return primaries + targets.filter { $0.effectivePriority > 0 && $0.backend != rollout.candidate }
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
