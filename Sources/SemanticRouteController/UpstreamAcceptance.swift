import KubeCore

/// What the controller behind a rendered object says about it: AI Gateway writes `status.conditions`
/// (`Accepted` / `NotAccepted`), Envoy Gateway's policies write `status.ancestors[].conditions` (`Accepted`).
/// Conditions computed for an older generation of the object are ignored: they describe what we replaced.
public enum UpstreamAcceptance: Sendable, Hashable {
    case accepted
    case notAccepted(message: String)

    /// The verdict in a live object's status; nil when its controller has not reported (yet).
    public static func of(_ object: JSONValue) -> UpstreamAcceptance? {
        let generation = object[path: "metadata", "generation"]?.intValue
        var lists: [[JSONValue]] = []
        if let conditions = object[path: "status", "conditions"]?.arrayValue { lists.append(conditions) }
        for ancestor in object[path: "status", "ancestors"]?.arrayValue ?? [] {
            if let conditions = ancestor["conditions"]?.arrayValue { lists.append(conditions) }
        }
        var verdict: UpstreamAcceptance?
        for condition in lists.joined() {
            if let observed = condition["observedGeneration"]?.intValue, let generation, observed < generation {
                continue
            }
            let type = condition["type"]?.stringValue
            let status = condition["status"]?.stringValue
            let message = condition["message"]?.stringValue ?? condition["reason"]?.stringValue ?? ""
            if (type == "Accepted" && status == "False") || (type == "NotAccepted" && status == "True") {
                return .notAccepted(message: message)
            }
            if type == "Accepted" && status == "True" { verdict = .accepted }
        }
        return verdict
    }
}
