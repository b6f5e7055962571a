import KubeCore

/// The labels and annotation keys semroute puts on what it renders (DESIGN §3), in one place: render writes
/// them, the operator selects, indexes, prunes and cleans up by them. Pruning and cleanup only ever touch
/// objects that carry both ``managedByKey`` and ``routeKey``.
public enum RouteLabels {
    public static let managedByKey = "app.kubernetes.io/managed-by"
    public static let managedByValue = "semroute"
    public static let routeKey = "semroute.io/route"
    public static let nameKey = "app.kubernetes.io/name"
    public static let instanceKey = "app.kubernetes.io/instance"
    public static let componentKey = "app.kubernetes.io/component"
    /// Annotation: the hash of the classifier config a Deployment runs (a change rolls its pods).
    public static let configHashKey = "semroute.io/config-hash"

    /// `<ns>.<route>`, shortened to fit a label value: the value of ``routeKey`` on a route's objects.
    public static func routeValue(namespace: String, name: String) -> String {
        DNSName.shortened("\(namespace).\(name)")
    }

    /// The selector that matches every object semroute manages (for informers).
    public static var managedSelector: String { "\(managedByKey)=\(managedByValue)" }

    /// Whether `labels` mark an object as managed by semroute (for any route).
    public static func isManaged(_ labels: [String: String]?) -> Bool {
        labels?[managedByKey] == managedByValue
    }

    /// Whether `labels` mark an object as managed by semroute for the route `routeValue`.
    public static func belongs(_ labels: [String: String]?, to routeValue: String) -> Bool {
        isManaged(labels) && labels?[routeKey] == routeValue
    }
}
