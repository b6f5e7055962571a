import KubeCore

extension ObjectStore {
    /// The RBAC objects as they are now, for one authorisation decision (order does not matter: any match allows).
    func authorizer() -> RBACAuthorizer {
        func all(_ api: APIResource) -> [JSONValue] {
            guard let type = type(group: api.group, version: api.version, plural: api.plural) else { return [] }
            return Array((objects[type.storeKey] ?? [:]).values)
        }
        return RBACAuthorizer(clusterRoles: all(BuiltinResources.clusterRoles),
                              clusterRoleBindings: all(BuiltinResources.clusterRoleBindings),
                              roles: all(BuiltinResources.roles), roleBindings: all(BuiltinResources.roleBindings))
    }
}
