import KubeCore

extension ObjectStore {
    /// The RBAC objects as they are now, for one authorisation decision.
    func authorizer() -> RBACAuthorizer {
        func all(_ api: APIResource) -> [JSONValue] {
            let key = api.group.isEmpty ? api.plural : "\(api.plural).\(api.group)"
            return (objects[key] ?? [:]).sorted { $0.key < $1.key }.map(\.value)
        }
        return RBACAuthorizer(clusterRoles: all(BuiltinResources.clusterRoles),
                              clusterRoleBindings: all(BuiltinResources.clusterRoleBindings),
                              roles: all(BuiltinResources.roles), roleBindings: all(BuiltinResources.roleBindings))
    }
}
