import KubeCore
import SemanticRouteRender

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
