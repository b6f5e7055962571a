import KubeCore

/// The finalizer semroute puts on a SemanticRoute whose rendered objects cannot all carry an owner reference
/// (the EnvoyPatchPolicy in another namespace, the shared ClientTrafficPolicy): garbage collection cleans up
/// the rest. Cleanup is planned from labels and the stores, so it is idempotent and also right for a route
/// whose objects were never (or only partly) applied.
public enum RouteFinalizer {
    public static let name = "semroute.io/cleanup"

    /// Whether any prepared object lacks an owner reference, so that only a finalizer can clean it up.
    public static func needed(_ prepared: [(ObjectRef, JSONValue)]) -> Bool {
        prepared.contains { _, body in (body[path: "metadata", "ownerReferences"]?.arrayValue ?? []).isEmpty }
    }

    public static func has(_ route: JSONValue) -> Bool {
        finalizers(route).contains(name)
    }

    static func finalizers(_ route: JSONValue) -> [String] {
        (route[path: "metadata", "finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// The `metadata.finalizers` list with ours added or removed (others kept in order).
    public static func finalizers(of route: JSONValue, adding: Bool) -> [String] {
        let current = finalizers(route)
        if adding { return current.contains(name) ? current : current + [name] }
        return current.filter { $0 != name }
    }

    /// What deleting the route must delete itself: this route's labelled objects that no owner reference
    /// ties to it (garbage collection removes the others), plus the shared ClientTrafficPolicies no other
    /// route needs any more.
    public static func cleanup(routeLabel: String, managed: [JSONValue], routes: [JSONValue],
                               deleting route: JSONValue) -> [ObjectRef] {
        let own = managed.compactMap { object -> ObjectRef? in
            guard let key = ObjectRef(object), !ApplyPlanner.isShared(key),
                  RouteLabels.belongs(ApplyPlanner.labels(object), to: routeLabel),
                  (object[path: "metadata", "ownerReferences"]?.arrayValue ?? []).isEmpty else { return nil }
            return key
        }
        let shared = SharedPolicyPlanner.unused(managed: managed, routes: routes, excluding: route)
        return (own + shared).sorted()
    }
}

/// The ClientTrafficPolicy `semroute-<gateway>` is shared by all routes on a Gateway: it goes when the last
/// of them goes (or moves to another Gateway).
public enum SharedPolicyPlanner {
    /// The Gateway (`namespace/name`) a raw SemanticRoute attaches to; nil when the spec does not say.
    public static func gateway(of route: JSONValue) -> String? {
        guard let name = route[path: "spec", "gatewayRef", "name"]?.stringValue else { return nil }
        let ns = route[path: "spec", "gatewayRef", "namespace"]?.stringValue
            ?? route[path: "metadata", "namespace"]?.stringValue ?? "default"
        return "\(ns)/\(name)"
    }

    /// The Gateway a ClientTrafficPolicy targets (its first Gateway target ref, in its own namespace).
    static func gateway(ofPolicy policy: JSONValue) -> String? {
        let refs = policy[path: "spec", "targetRefs"]?.arrayValue ?? []
        let ref = refs.first { ($0["kind"]?.stringValue ?? "Gateway") == "Gateway" } ?? policy[path: "spec", "targetRef"]
        guard let name = ref?["name"]?.stringValue, let ns = policy[path: "metadata", "namespace"]?.stringValue else {
            return nil
        }
        return "\(ns)/\(name)"
    }

    /// Managed shared policies whose Gateway no route (other than `excluding`, and none being deleted) uses.
    public static func unused(managed: [JSONValue], routes: [JSONValue], excluding: JSONValue? = nil) -> [ObjectRef] {
        let excludedUID = excluding?[path: "metadata", "uid"]?.stringValue
        let used = Set(routes.compactMap { route -> String? in
            if let excludedUID, route[path: "metadata", "uid"]?.stringValue == excludedUID { return nil }
            if route[path: "metadata", "deletionTimestamp"] != nil { return nil }
            return gateway(of: route)
        })
        return managed.compactMap { object -> ObjectRef? in
            guard let key = ObjectRef(object), ApplyPlanner.isShared(key),
                  RouteLabels.isManaged(ApplyPlanner.labels(object)),
                  object[path: "metadata", "deletionTimestamp"] == nil,
                  let gateway = gateway(ofPolicy: object), !used.contains(gateway) else { return nil }
            return key
        }.sorted()
    }

    /// A ClientTrafficPolicy that targets `gateway` and is not semroute's: the user's own, which wins.
    public static func userPolicy(for target: String, among policies: [JSONValue]) -> ObjectRef? {
        policies.compactMap { policy -> ObjectRef? in
            guard let key = ObjectRef(policy), !RouteLabels.isManaged(ApplyPlanner.labels(policy)),
                  gateway(ofPolicy: policy) == target else { return nil }
            return key
        }.sorted().first
    }
}

/// Objects left behind by a route that no longer exists (deleted while the operator was down and its
/// finalizer removed by hand, or by an older operator): labelled as ours, not owner-referenced (garbage
/// collection handles those), and pointing at a route that is not in the store.
public enum OrphanPlanner {
    /// `watches` says whether routes of a namespace are watched at all (with `--namespace`, objects of routes
    /// elsewhere are not ours to judge).
    public static func orphans(managed: [JSONValue], routes: [JSONValue],
                               watches: (String) -> Bool) -> [ObjectRef] {
        let existing = Set(routes.compactMap { route -> String? in
            guard let ns = route[path: "metadata", "namespace"]?.stringValue,
                  let name = route[path: "metadata", "name"]?.stringValue else { return nil }
            return RouteLabels.routeValue(namespace: ns, name: name)
        })
        return managed.compactMap { object -> ObjectRef? in
            let labels = ApplyPlanner.labels(object)
            guard let key = ObjectRef(object), RouteLabels.isManaged(labels), let label = labels[RouteLabels.routeKey],
                  !existing.contains(label),
                  (object[path: "metadata", "ownerReferences"]?.arrayValue ?? []).isEmpty,
                  object[path: "metadata", "deletionTimestamp"] == nil,
                  let routeNamespace = label.split(separator: ".").first, watches(String(routeNamespace)) else {
                return nil
            }
            return key
        }.sorted()
    }
}
