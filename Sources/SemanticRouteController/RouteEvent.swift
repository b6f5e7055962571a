/// Kubernetes Events about a route (events.k8s.io/v1 in the operator).
public protocol RouteEventSink: Sendable {
    func record(_ event: RouteEvent) async
}

/// One Event about a SemanticRoute.
public struct RouteEvent: Sendable, Hashable {
    public enum EventType: String, Sendable, Hashable {
        case normal = "Normal"
        case warning = "Warning"
    }

    public var namespace: String
    public var name: String
    public var uid: String?
    public var type: EventType
    /// PascalCase, e.g. a condition reason or `ApplyFailed`.
    public var reason: String
    /// What the operator did (events.k8s.io `action`), e.g. `Reconcile`, `Apply`, `Prune`, `Cleanup`.
    public var action: String
    public var note: String

    public init(namespace: String, name: String, uid: String?, type: EventType, reason: String, action: String,
                note: String) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.type = type
        self.reason = reason
        self.action = action
        self.note = note
    }
}
