/// `metav1.Condition`: one aspect of an object's state, with the generation it was computed for.
public struct Condition: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case `true` = "True"
        case `false` = "False"
        case unknown = "Unknown"
    }

    public var type: String
    public var status: Status
    public var observedGeneration: Int64?
    public var lastTransitionTime: String
    public var reason: String
    public var message: String

    public init(type: String, status: Status, observedGeneration: Int64?, lastTransitionTime: String, reason: String,
                message: String) {
        self.type = type
        self.status = status
        self.observedGeneration = observedGeneration
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

extension Array where Element == Condition {
    public subscript(type type: String) -> Condition? { first { $0.type == type } }

    /// Sets `condition`, keeping the old `lastTransitionTime` unless the status flipped
    /// (apimachinery's `meta.SetStatusCondition`).
    public mutating func set(_ condition: Condition) {
        guard let i = firstIndex(where: { $0.type == condition.type }) else {
            append(condition)
            return
        }
        var updated = condition
        if self[i].status == condition.status { updated.lastTransitionTime = self[i].lastTransitionTime }
        self[i] = updated
    }
}
