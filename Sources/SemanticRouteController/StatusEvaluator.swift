import KubeCore
import SemanticRouteAPI

/// Computes a route's status from ``StatusInputs``: a pure function of its inputs, the previous status (for
/// `lastTransitionTime`, which moves only when a condition's status flips) and the current time.
public enum StatusEvaluator {
    /// kube-apiserver's limit on a condition message.
    static let maxMessage = 32768

    public static func evaluate(_ inputs: StatusInputs, previous: SemanticRouteStatus?, now: String) -> SemanticRouteStatus {
        var status = SemanticRouteStatus()
        status.observedGeneration = inputs.generation
        let valid = inputs.specErrors.isEmpty
        if valid {
            status.decisions = inputs.decisions
            status.backends = inputs.backends
            status.managed = inputs.desired.map { managedObject($0, routeNamespace: inputs.namespace) }
        } else {
            // Nothing was applied for this generation: what is managed is what the last valid one left.
            status.decisions = previous?.decisions
            status.backends = previous?.backends
            status.managed = previous?.managed
        }
        status.classifier = classifierStatus(inputs.deployment)
        status.rollouts = inputs.rollouts ?? previous?.rollouts
        if status.rollouts?.isEmpty == true { status.rollouts = nil }
        status.rollout = status.rollouts.map { $0.map(\.summary).joined(separator: ", ") }

        let computed = [accepted(inputs), resolvedRefs(inputs), programmed(inputs), classifierAvailable(inputs)]
        let ready = readiness(computed)
        var conditions = previous?.conditions ?? []
        for (type, state, reason, message) in computed + [ready] {
            conditions.set(Condition(type: type.rawValue, status: state, observedGeneration: inputs.generation,
                                     lastTransitionTime: now, reason: reason.rawValue, message: truncated(message)))
        }
        if let rollouts = status.rollouts {
            let (state, reason, message) = rolloutsProgressing(rollouts)
            conditions.set(Condition(type: ConditionType.rolloutsProgressing.rawValue, status: state, observedGeneration: inputs.generation,
                                     lastTransitionTime: now, reason: reason.rawValue, message: truncated(message)))
        } else {
            conditions.removeAll { $0.type == ConditionType.rolloutsProgressing.rawValue }
        }
        // Keep only our own condition types, in their documented order.
        status.conditions = ConditionType.allCases.compactMap { conditions[type: $0.rawValue] }
        return status
    }

    /// Whether writing `new` would change anything: status is written only then.
    public static func changed(from old: SemanticRouteStatus?, to new: SemanticRouteStatus) -> Bool {
        old != new
    }

    typealias Computed = (ConditionType, Condition.Status, ConditionReason, String)

    static func accepted(_ inputs: StatusInputs) -> Computed {
        if !inputs.specErrors.isEmpty {
            return (.accepted, .false, .invalid, inputs.specErrors.lines.joined(separator: "; "))
        }
        if let conflict = inputs.conflict {
            return (.accepted, .false, .modelConflict, conflict.message)
        }
        return (.accepted, .true, .valid, "the spec is valid")
    }

    static func resolvedRefs(_ inputs: StatusInputs) -> Computed {
        guard inputs.specErrors.isEmpty else {
            return (.resolvedRefs, .unknown, .specInvalid, "references are resolved once the spec is valid")
        }
        guard let first = inputs.missing.first else {
            return (.resolvedRefs, .true, .resolvedRefs, "the Gateway and every referenced Secret and Service exist")
        }
        return (.resolvedRefs, .false, first.reason, inputs.missing.map(\.description).joined(separator: "; "))
    }

    static func programmed(_ inputs: StatusInputs) -> Computed {
        guard inputs.specErrors.isEmpty else {
            return (.programmed, .unknown, .specInvalid,
                    "nothing was applied for generation \(inputs.generation) because the spec is invalid; objects applied for an earlier generation are left as they were")
        }
        if let conflict = inputs.conflict {
            return (.programmed, .false, .modelConflict,
                    "nothing is applied while \(conflict.winners.map(\.route).joined(separator: ", ")) holds \(conflict.names.joined(separator: ", ")); objects this route applied before are pruned")
        }
        var rejected: [String] = [], failed: [String] = [], conflicts: [String] = [], notAccepted: [String] = [], notes: [String] = []
        for key in inputs.desired {
            switch inputs.outcomes[key] {
            case .rejected(let code, let message)?: rejected.append("\(key) rejected by the API server (\(code)): \(message)")
            case .failed(let reason, let message)?: failed.append("\(key) not applied (\(reason)): \(message)")
            case .nameConflict?: conflicts.append("\(key) exists but is not managed by semroute (no app.kubernetes.io/managed-by=semroute label); it was left untouched")
            case .skipped(let message)?: notes.append(message)
            case nil: failed.append("\(key) not applied yet")
            case .unchanged?, .applied?: break
            }
            if case .notAccepted(let message)? = inputs.upstream[key] {
                notAccepted.append("\(key) not accepted: \(message)")
            }
        }
        if !rejected.isEmpty { return (.programmed, .false, .applyFailed, (rejected + failed).joined(separator: "; ")) }
        if !conflicts.isEmpty { return (.programmed, .false, .nameConflict, (conflicts + failed).joined(separator: "; ")) }
        if !failed.isEmpty { return (.programmed, .false, .applyFailed, failed.joined(separator: "; ")) }
        if !notAccepted.isEmpty { return (.programmed, .false, .upstreamNotAccepted, notAccepted.joined(separator: "; ")) }
        let summary = "all \(inputs.desired.count) rendered objects are applied"
        return (.programmed, .true, .applied, ([summary] + notes).joined(separator: "; "))
    }

    static func classifierAvailable(_ inputs: StatusInputs) -> Computed {
        if inputs.conflict != nil {
            return (.classifierAvailable, .false, .modelConflict, "no classifier runs while the route conflicts")
        }
        guard let deployment = inputs.deployment else {
            return (.classifierAvailable, .false, .deploymentNotFound,
                    "the classifier Deployment \(inputs.deploymentName) does not exist yet")
        }
        let ready = deployment[path: "status", "readyReplicas"]?.intValue ?? 0
        let desired = deployment[path: "spec", "replicas"]?.intValue ?? deployment[path: "status", "replicas"]?.intValue ?? 0
        let available = (deployment[path: "status", "conditions"]?.arrayValue ?? [])
            .first { $0["type"]?.stringValue == "Available" }
        if deployment[path: "spec", "replicas"]?.intValue == 0 {
            // A Deployment scaled to zero is Available ("0/0 has minimum availability"), but nothing classifies.
            return (.classifierAvailable, .false, .scaledToZero,
                    "the classifier Deployment \(inputs.deploymentName) is scaled to 0 replicas, so requests are not classified "
                        + "(with failOpen they pass unclassified, without it they fail)")
        }
        let counts = "\(ready)/\(desired) classifier replicas ready"
        if available?["status"]?.stringValue == "True", ready >= 1 {
            return (.classifierAvailable, .true, .minimumReplicasAvailable, counts)
        }
        let detail = available?["message"]?.stringValue.map { ": \($0)" } ?? ""
        return (.classifierAvailable, .false, .minimumReplicasUnavailable, counts + detail)
    }

    /// `RolloutsProgressing`: False while any rollout cannot ask Prometheus, was aborted or is paused (in that
    /// order of concern), True while they progress or after they all succeeded. Not part of `Ready`: a route
    /// serves during and after a rollout.
    static func rolloutsProgressing(_ rollouts: [RolloutStatus]) -> (Condition.Status, ConditionReason, String) {
        let message = rollouts.map { "\($0.name): \($0.phase.rawValue) (\($0.reason)) at \($0.weight)%: \($0.message)" }.joined(separator: "; ")
        if rollouts.contains(where: { $0.reason == "PrometheusUnavailable" }) { return (.false, .prometheusUnavailable, message) }
        if rollouts.contains(where: { $0.phase == .aborted }) { return (.false, .rolloutAborted, message) }
        if rollouts.contains(where: { $0.phase == .paused }) { return (.false, .rolloutPaused, message) }
        if rollouts.contains(where: { $0.phase == .progressing }) { return (.true, .rolloutProgressing, message) }
        return (.true, .rolloutsSucceeded, message)
    }

    static func readiness(_ computed: [Computed]) -> Computed {
        let failing = computed.filter { $0.1 != .true }
        guard let first = failing.first else {
            return (.ready, .true, .ready, "the route is serving")
        }
        let reason: ConditionReason = switch first.0 {
        case .accepted: first.2 == .modelConflict ? .modelConflict : .specInvalid
        case .resolvedRefs: .refsNotResolved
        case .programmed: .notProgrammed
        case .classifierAvailable, .ready, .rolloutsProgressing: .classifierUnavailable
        }
        return (.ready, .false, reason, failing.map { "\($0.0.rawValue): \($0.3)" }.joined(separator: "; "))
    }

    static func classifierStatus(_ deployment: JSONValue?) -> SemanticRouteStatus.ClassifierStatus? {
        guard let deployment else { return nil }
        let replicas = deployment[path: "spec", "replicas"]?.intValue ?? deployment[path: "status", "replicas"]?.intValue ?? 0
        let ready = deployment[path: "status", "readyReplicas"]?.intValue ?? 0
        let labels = deployment[path: "spec", "selector", "matchLabels"]?.objectValue
        let selector = (labels?.keys.sorted() ?? []).map { "\($0)=\(labels?[$0]?.stringValue ?? "")" }.joined(separator: ",")
        return .init(replicas: Int(replicas), readyReplicas: Int(ready), selector: selector)
    }

    static func managedObject(_ key: ObjectRef, routeNamespace: String) -> SemanticRouteStatus.ManagedObject {
        .init(apiVersion: key.apiVersion, kind: key.kind, name: key.name,
              namespace: key.namespace == routeNamespace ? nil : key.namespace)
    }

    static func truncated(_ message: String) -> String {
        guard message.utf8.count > maxMessage else { return message }
        return String(message.prefix(maxMessage - 20)) + " … (truncated)"
    }
}
