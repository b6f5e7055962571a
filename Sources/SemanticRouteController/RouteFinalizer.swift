import KubeCore
import SemanticRouteRender

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
