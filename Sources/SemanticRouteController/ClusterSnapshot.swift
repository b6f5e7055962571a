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
    /// The SemanticRoutes (not being deleted) that claim a model name on a Gateway: `value` is a
    /// ``ModelClaims/indexValue(gateway:name:)``.
    func routes(claiming value: String) -> [JSONValue]
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

    public func routes(claiming value: String) -> [JSONValue] {
        routes().filter { ModelClaims($0)?.indexValues.contains(value) == true }
    }
}
