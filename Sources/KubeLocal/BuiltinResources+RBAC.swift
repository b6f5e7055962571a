import KubeCore

/// rbac.authorization.k8s.io/v1: stored and served like the other built-ins. KubeLocal enforces no
/// authorisation, so these objects never grant or deny anything.
extension BuiltinResources {
    static let clusterRoles = APIResource(group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterroles",
                                          kind: "ClusterRole", namespaced: false)
    static let clusterRoleBindings = APIResource(group: "rbac.authorization.k8s.io", version: "v1",
                                                 plural: "clusterrolebindings", kind: "ClusterRoleBinding",
                                                 namespaced: false)
    static let roles = APIResource(group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", kind: "Role",
                                   namespaced: true)
    static let roleBindings = APIResource(group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings",
                                          kind: "RoleBinding", namespaced: true)

    static let rbac: [ResourceType] = [
        ResourceType(api: clusterRoles, singular: "clusterrole", columns: [name, createdAt],
                     storageVersion: "v1", strategicMerge: true, deleteReturnsStatus: true),
        ResourceType(api: clusterRoleBindings, singular: "clusterrolebinding", columns: bindingColumns,
                     storageVersion: "v1", strategicMerge: true, deleteReturnsStatus: true),
        ResourceType(api: roles, singular: "role", columns: [name, createdAt],
                     storageVersion: "v1", strategicMerge: true, deleteReturnsStatus: true),
        ResourceType(api: roleBindings, singular: "rolebinding", columns: bindingColumns,
                     storageVersion: "v1", strategicMerge: true, deleteReturnsStatus: true),
    ]

    /// kube-apiserver's RBAC table convertors print the creation time itself, not an age.
    static let createdAt = Column(name: "Created At", type: "date", description: "Time at which the object was created",
                                  priority: 0, value: .computed { $0[path: "metadata", "creationTimestamp"] ?? .null })

    /// `NAME ROLE AGE`, and with `-o wide` the subjects by kind.
    static let bindingColumns: [Column] = [
        name,
        Column(name: "Role", type: "string", description: "RoleRef is the reference to the role", priority: 0,
               value: .computed { b in
                   .string("\(b[path: "roleRef", "kind"]?.stringValue ?? "")/\(b[path: "roleRef", "name"]?.stringValue ?? "")")
               }),
        age,
        subjects("Users", "Users in the binding", kind: "User"),
        subjects("Groups", "Groups in the binding", kind: "Group"),
        subjects("ServiceAccounts", "ServiceAccounts in the binding", kind: "ServiceAccount"),
    ]

    static func subjects(_ name: String, _ description: String, kind: String) -> Column {
        Column(name: name, type: "string", description: description, priority: 1, value: .computed { b in
            let names = (b["subjects"]?.arrayValue ?? []).filter { $0["kind"]?.stringValue == kind }.map { s in
                let n = s["name"]?.stringValue ?? ""
                return kind == "ServiceAccount" ? "\(s["namespace"]?.stringValue ?? ""):\(n)" : n
            }
            return .string(names.joined(separator: ", "))
        })
    }
}
