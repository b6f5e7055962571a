/// Who sent a request, as kube-apiserver's authenticators name it: a user name, groups, and for service
/// accounts the `system:serviceaccount:NAMESPACE:NAME` form.
public struct UserInfo: Sendable, Hashable {
    public var name: String
    public var uid: String
    public var groups: [String]

    public init(name: String, uid: String = "", groups: [String] = []) {
        self.name = name
        self.uid = uid
        // Every authenticated user is in system:authenticated, as kube-apiserver adds it.
        self.groups = groups.contains("system:authenticated") ? groups : groups + ["system:authenticated"]
    }

    /// A ServiceAccount's identity: user `system:serviceaccount:NS:NAME`, groups `system:serviceaccounts` and
    /// `system:serviceaccounts:NS`.
    public static func serviceAccount(namespace: String, name: String) -> UserInfo {
        UserInfo(name: "system:serviceaccount:\(namespace):\(name)",
                 groups: ["system:serviceaccounts", "system:serviceaccounts:\(namespace)"])
    }

    /// `(namespace, name)` when this is a ServiceAccount's identity.
    var serviceAccount: (namespace: String, name: String)? {
        let parts = name.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "system", parts[1] == "serviceaccount" else { return nil }
        return (String(parts[2]), String(parts[3]))
    }
}
