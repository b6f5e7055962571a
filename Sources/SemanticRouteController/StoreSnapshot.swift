import KubeCore
import KubeRuntime
import SemanticRouteRender

/// ``ClusterSnapshot`` over the informers' stores.
struct StoreSnapshot: ClusterSnapshot {
    let routeStore: Store
    /// One store per rendered kind that the cluster serves, keyed by `group/kind`.
    let owned: [String: Store]
    let secrets: Store
    let gateways: Store?

    static func kindKey(group: String, kind: String) -> String { "\(group)/\(kind)" }

    func route(namespace: String, name: String) -> JSONValue? { routeStore.get(namespace: namespace, name: name) }

    func routes() -> [JSONValue] { routeStore.list() }

    func routes(onGateway gateway: String) -> [JSONValue] { routeStore.byIndex(RouteIndexes.gateway, gateway) }

    func routes(claiming value: String) -> [JSONValue] { routeStore.byIndex(RouteIndexes.modelClaim, value) }

    func managed(_ key: ObjectRef) -> JSONValue? {
        guard let store = owned[Self.kindKey(group: key.group, kind: key.kind)],
              let object = store.get(namespace: key.namespace, name: key.name),
              RouteLabels.isManaged(ApplyPlanner.labels(object)) else { return nil }
        return object
    }

    func managedObjects(routeLabel: String) -> [JSONValue] {
        owned.keys.sorted().flatMap { owned[$0]!.byIndex(RouteIndexes.routeLabel, routeLabel) }
            .filter { RouteLabels.isManaged(ApplyPlanner.labels($0)) }
    }

    func allManaged() -> [JSONValue] {
        owned.keys.sorted().flatMap { owned[$0]!.list() }.filter { RouteLabels.isManaged(ApplyPlanner.labels($0)) }
    }

    func managedClientTrafficPolicies() -> [JSONValue] {
        let key = Self.kindKey(group: RenderedKinds.clientTrafficPolicies.group, kind: "ClientTrafficPolicy")
        return (owned[key]?.list() ?? []).filter { RouteLabels.isManaged(ApplyPlanner.labels($0)) }
    }

    func referenced(_ kind: RouteReference.Kind, namespace: String, name: String) -> JSONValue? {
        switch kind {
        case .gateway: gateways?.get(namespace: namespace, name: name)
        case .secret: secrets.get(namespace: namespace, name: name)
        case .service: owned[Self.kindKey(group: "", kind: "Service")]?.get(namespace: namespace, name: name)
        }
    }

    func servedReferenceKinds() -> Set<RouteReference.Kind> {
        gateways == nil ? [.secret, .service] : Set(RouteReference.Kind.allCases)
    }

    func clientTrafficPolicies(namespace: String) -> [JSONValue] {
        let key = Self.kindKey(group: RenderedKinds.clientTrafficPolicies.group, kind: "ClientTrafficPolicy")
        return owned[key]?.byIndex("namespace", namespace) ?? []
    }
}
