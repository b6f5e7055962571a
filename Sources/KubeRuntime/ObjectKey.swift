import KubeCore

/// Identifies an object of one kind: namespace (nil for cluster-scoped) and name. Prints as `ns/name`.
public struct ObjectKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String?
    public var name: String

    public init(namespace: String?, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// The key of an object from its metadata; nil when it has no name.
    public init?(object: JSONValue) {
        guard let name = object[path: "metadata", "name"]?.stringValue else { return nil }
        self.init(namespace: object[path: "metadata", "namespace"]?.stringValue, name: name)
    }

    public var description: String { namespace.map { "\($0)/\(name)" } ?? name }

    public static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        (lhs.namespace ?? "", lhs.name) < (rhs.namespace ?? "", rhs.name)
    }
}
