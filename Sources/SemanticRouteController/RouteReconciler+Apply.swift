import KubeClient
import KubeCore
import Logging

extension RouteReconciler {
    /// What the apply step did: the plans, the outcome of each, and the calls that failed (retried).
    struct Applied {
        var plans: [ApplyPlan]
        var outcomes: [ObjectRef: ApplyOutcome]
        var failures: [KubeError]
    }

    /// Plans every prepared object against the stores and sends only what differs. A rejection, a name
    /// conflict or a deliberate skip is an outcome (status reports it); a failed call is also a failure (retried).
    func apply(_ prepared: [(ObjectRef, JSONValue)], planner: ApplyPlanner, gateway: RouteReference, raw: JSONValue,
               logger: Logger) async -> Applied {
        let userPolicy = SharedPolicyPlanner.userPolicy(
            for: gateway.namespacedName, among: snapshot.clientTrafficPolicies(namespace: gateway.namespace))
        let plans = planner.plan(prepared, live: { snapshot.managed($0) }, userClientTrafficPolicy: userPolicy)
        var applied = Applied(plans: plans, outcomes: [:], failures: [])
        for plan in plans {
            let outcome: ApplyOutcome
            do {
                outcome = try await execute(plan, planner: planner)
            } catch {
                if error.isRejection {
                    outcome = .rejected(code: error.code, message: error.detailedMessage)
                } else {
                    outcome = .failed(reason: error.reason, message: error.detailedMessage)
                    applied.failures.append(error)
                }
            }
            applied.outcomes[plan.key] = outcome
            switch outcome {
            case .failed(_, let message):
                await emit(raw, .warning, reason: "ApplyFailed", action: "Apply", note: "\(plan.key): \(message)")
            case .rejected(let code, let message):
                await emit(raw, .warning, reason: "ApplyRejected", action: "Apply",
                           note: "\(plan.key) rejected by the API server (\(code)): \(message)")
            case .nameConflict:
                await emit(raw, .warning, reason: "NameConflict", action: "Apply",
                           note: "\(plan.key) exists and is not managed by this route; left untouched")
            case .applied:
                logger.debug("applied", metadata: ["object": "\(plan.key)"])
            case .unchanged, .skipped:
                break
            }
        }
        return applied
    }

    /// Runs one plan.
    func execute(_ plan: ApplyPlan, planner: ApplyPlanner) async throws(KubeError) -> ApplyOutcome {
        switch plan.action {
        case .unchanged: return .unchanged
        case .nameConflict: return .nameConflict
        case .skip(let message): return .skipped(message: message)
        case .apply:
            _ = try await writer.apply(plan.key, plan.body)
            return .applied
        case .checkThenApply:
            if let live = try await writer.get(plan.key) {
                switch planner.action(for: plan.key, body: plan.body, live: live) {
                case .nameConflict: return .nameConflict
                case .unchanged: return .unchanged
                default: break
                }
            }
            _ = try await writer.apply(plan.key, plan.body)
            return .applied
        }
    }
}
