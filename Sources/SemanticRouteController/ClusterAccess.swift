import KubeCore

/// What reconcile reads: the informers' stores, never live GETs (one exception: an object missing from the
/// label-filtered stores is fetched once before it is created, to tell "absent" from "someone else's").
public protocol ClusterSnapshot: Sendable {
    /// A SemanticRoute from the route store.
    func route(namespace: String, name: String) -> JSONValue?
    /// Every SemanticRoute in the store.
    func routes() -> [JSONValue]
    /// The SemanticRoutes whose gatewayRef is `gateway` (`namespace/name`).
    func routes(onGateway gateway: String) -> [JSONValue]
    /// A managed object (one that carries `app.kubernetes.io/managed-by: semroute`) from the owned-kind stores.
    func managed(_ key: ObjectRef) -> JSONValue?
    /// The managed objects labelled for one route (`semroute.io/route: <routeLabel>`), every owned kind.
    func managedObjects(routeLabel: String) -> [JSONValue]
    /// Every managed object of every owned kind (for the orphan sweep).
    func allManaged() -> [JSONValue]
    /// Every managed ClientTrafficPolicy (the shared per-Gateway ones carry no route label).
    func managedClientTrafficPolicies() -> [JSONValue]
    /// A referenced Gateway, Secret (data keys only, never values) or Service.
    func referenced(_ kind: RouteReference.Kind, namespace: String, name: String) -> JSONValue?
    /// The reference kinds the cluster serves (Gateway needs the Gateway API CRDs).
    func servedReferenceKinds() -> Set<RouteReference.Kind>
    /// Every ClientTrafficPolicy in a namespace, semroute's or not (to find a user's own on a Gateway).
    func clientTrafficPolicies(namespace: String) -> [JSONValue]
}

extension ClusterSnapshot {
    public func routes(onGateway gateway: String) -> [JSONValue] {
        routes().filter { SharedPolicyPlanner.gateway(of: $0) == gateway }
    }
}

/// What reconcile writes, through the API server.
public protocol ClusterWriter: Sendable {
    /// GET; nil when the object does not exist.
    func get(_ key: ObjectRef) async throws(APIFailure) -> JSONValue?
    /// Server-side apply with field manager `semroute` and `force`.
    func apply(_ key: ObjectRef, _ body: JSONValue) async throws(APIFailure) -> JSONValue
    /// DELETE (background propagation); an object that is already gone is not an error.
    func delete(_ key: ObjectRef) async throws(APIFailure)
    /// Sets the route's `metadata.finalizers`, failing with a conflict if `resourceVersion` is stale.
    func setFinalizers(namespace: String, name: String, _ finalizers: [String], resourceVersion: String?)
        async throws(APIFailure) -> JSONValue
    /// Writes the route's status through the status subresource.
    func writeStatus(namespace: String, name: String, _ status: JSONValue) async throws(APIFailure) -> JSONValue
}

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

/// A failed API call as the controller sees it: the adapter over the Kubernetes client maps its errors here.
public struct APIFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// HTTP status (0 for transport errors).
    public var code: Int
    /// PascalCase: `Invalid`, `Conflict`, `TooManyRequests`, `ServerError`, `Transport`, ...
    public var reason: String
    /// The server's message.
    public var message: String
    public var retryAfter: Duration?

    public init(code: Int, reason: String, message: String, retryAfter: Duration? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.retryAfter = retryAfter
    }

    /// The server refused the object itself (schema, CEL rule, admission): retrying the same object will
    /// not help; the route's status reports the message until the spec changes.
    public var isRejection: Bool { code == 400 || code == 422 || code == 403 }

    public var description: String { "\(reason) (\(code)): \(message)" }
}
