import KubeCore

/// Identity of one Kubernetes object: API version, kind, namespace and name. Two versions of one group/kind
/// name the same object, so equality compares the group, not the version.
public struct ObjectRef: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var apiVersion: String
    public var kind: String
    public var namespace: String
    public var name: String

    public init(apiVersion: String, kind: String, namespace: String, name: String) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// Reads the identity of an object; nil when `apiVersion`, `kind` or `metadata.name` is missing.
    public init?(_ object: JSONValue) {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue,
              let name = object[path: "metadata", "name"]?.stringValue else { return nil }
        self.init(apiVersion: apiVersion, kind: kind,
                  namespace: object[path: "metadata", "namespace"]?.stringValue ?? "", name: name)
    }

    /// The API group (`""` for the core group).
    public var group: String {
        guard let slash = apiVersion.firstIndex(of: "/") else { return "" }
        return String(apiVersion[..<slash])
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.group == b.group && a.kind == b.kind && a.namespace == b.namespace && a.name == b.name
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(group)
        hasher.combine(kind)
        hasher.combine(namespace)
        hasher.combine(name)
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.kind, a.namespace, a.name) < (b.kind, b.namespace, b.name)
    }

    /// `Kind namespace/name`, as messages and Events name objects.
    public var description: String { namespace.isEmpty ? "\(kind) \(name)" : "\(kind) \(namespace)/\(name)" }
}
