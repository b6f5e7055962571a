import KubeCore

/// What the Deployment controller and the kubelet would write into a Deployment's status once its pods are
/// up — for clusters without either (KubeLocal in `semroute dev` and the tests). Pure: the simulator service
/// calls it for every Deployment it sees and writes the result through the status subresource.
///
/// Holding a Deployment unavailable: annotate it `sim.semroute.io/hold-unavailable: "true"` and its pods never
/// become ready (readyReplicas 0, `Available=False`), as with a crash-looping or unschedulable pod.
public enum DeploymentSimulation {
    public static let holdUnavailableAnnotation = "sim.semroute.io/hold-unavailable"

    /// The status the Deployment should have, or nil when it already has it (so the steady state writes nothing).
    public static func status(for deployment: JSONValue, now: String) -> JSONValue? {
        let desired = deployment[path: "spec", "replicas"]?.intValue ?? 1
        let generation = deployment[path: "metadata", "generation"]?.intValue ?? 1
        let held = deployment[path: "metadata", "annotations", holdUnavailableAnnotation]?.stringValue == "true"
        let ready = held ? 0 : desired
        let current = deployment["status"]
        let previous = (current?["conditions"]?.arrayValue ?? []).compactMap { try? $0.decode(Condition.self) }
        var conditions = previous
        let available: Condition.Status = held ? .false : .true
        conditions.set(Condition(
            type: "Available", status: available, observedGeneration: nil, lastTransitionTime: now,
            reason: held ? "MinimumReplicasUnavailable" : "MinimumReplicasAvailable",
            message: held ? "Deployment does not have minimum availability." : "Deployment has minimum availability."))
        conditions.set(Condition(
            type: "Progressing", status: .true, observedGeneration: nil, lastTransitionTime: now,
            reason: held ? "ReplicaSetUpdated" : "NewReplicaSetAvailable",
            message: held ? "ReplicaSet is progressing." : "ReplicaSet has successfully progressed."))
        var status = JSONObject()
        status["observedGeneration"] = .int(generation)
        status["replicas"] = .int(desired)
        status["updatedReplicas"] = .int(desired)
        status["readyReplicas"] = .int(ready)
        status["availableReplicas"] = .int(ready)
        if desired - ready > 0 { status["unavailableReplicas"] = .int(desired - ready) }
        status["conditions"] = .array(conditions.compactMap { try? JSONValue.encode($0) }.map(dropNilGeneration))
        let result = JSONValue.object(status)
        if sameStatus(current, result) { return Optional<JSONValue>.none }
        return result
    }

    static func dropNilGeneration(_ condition: JSONValue) -> JSONValue {
        guard case .object(var o) = condition else { return condition }
        if o["observedGeneration"] == .null { o["observedGeneration"] = nil }
        return .object(o)
    }

    /// Equal ignoring key order and absent-vs-zero counters, which the API server drops.
    static func sameStatus(_ current: JSONValue?, _ wanted: JSONValue) -> Bool {
        guard let current, case .object(let have) = current, case .object(let want) = wanted else { return false }
        let counters = ["observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
                        "unavailableReplicas"]
        for key in counters where (have[key]?.intValue ?? 0) != (want[key]?.intValue ?? 0) { return false }
        let a = (have["conditions"]?.arrayValue ?? []).compactMap { try? $0.decode(Condition.self) }
        let b = (want["conditions"]?.arrayValue ?? []).compactMap { try? $0.decode(Condition.self) }
        return Set(a) == Set(b)
    }
}
