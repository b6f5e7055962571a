import KubeClient
import KubeCore
import KubeRuntime
import SemanticRouteAPI

extension RouteReconciler {
    /// Computes status, writes it only when it changed, and records an Event for every condition that changed.
    /// `failures` (the reconcile's failed calls so far) go into the error when the status write fails too.
    func report(_ raw: JSONValue, inputs: StatusInputs, previous: SemanticRouteStatus?,
                failures: [KubeError]) async throws(ReconcileError) {
        let status = StatusEvaluator.evaluate(inputs, previous: previous, now: now())
        guard StatusEvaluator.changed(from: previous, to: status) else { return }
        let namespace = raw[path: "metadata", "namespace"]?.stringValue ?? ""
        let name = raw[path: "metadata", "name"]?.stringValue ?? ""
        let json: JSONValue
        do {
            json = try JSONValue.encode(status)
        } catch {
            throw ReconcileError(reason: "EncodingFailed", message: "\(error)")
        }
        do {
            _ = try await writer.writeStatus(namespace: namespace, name: name, json)
            statusMemo.wrote(status, key: "\(namespace)/\(name)", basedOn: raw[path: "metadata", "resourceVersion"]?.stringValue)
        } catch {
            await emit(raw, .warning, reason: "StatusWriteFailed", action: "WriteStatus", note: error.description)
            throw ReconcileError(failures + [error])
        }
        for transition in ConditionTransitions.between(previous?.conditions ?? [], status.conditions ?? []) {
            await emit(raw, transition.status == .true ? .normal : .warning, reason: transition.reason,
                       action: "Reconcile", note: "\(transition.type)=\(transition.status.rawValue): \(transition.message)")
        }
    }
}

/// The conditions whose status or reason changed: each gets an Event.
enum ConditionTransitions {
    static func between(_ old: [Condition], _ new: [Condition]) -> [Condition] {
        new.filter { c in
            guard let before = old[type: c.type] else { return true }
            return before.status != c.status || before.reason != c.reason
        }
    }
}
