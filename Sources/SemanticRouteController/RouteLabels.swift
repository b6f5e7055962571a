import KubeCore

/// The labels that mark an object as semroute's and say which route it belongs to (DESIGN §3). Pruning and
/// cleanup only ever touch objects that carry both.
public enum RouteLabels {
    public static let managedByKey = "app.kubernetes.io/managed-by"
    public static let managedByValue = "semroute"
    public static let routeKey = "semroute.io/route"

    /// `<ns>.<route>`, shortened to fit a label value exactly as render shortens it.
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
