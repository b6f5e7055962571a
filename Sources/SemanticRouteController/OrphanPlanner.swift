import KubeCore
import SemanticRouteRender

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
