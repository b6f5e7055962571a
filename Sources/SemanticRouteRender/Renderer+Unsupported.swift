import KubeCore
import SemanticRouteAPI

extension Renderer {
    /// What `route` asks for that the target AI Gateway release (``Options/aiGateway``) does not have, one error
    /// per field. Render never emits a value the target would reject: the operator reports these like spec errors
    /// (`Accepted=False`, reason `Invalid`, and an Event) and applies nothing; `semroute render` prints them and
    /// exits 1. Empty when the route renders for the target as it is.
    public func unsupported(_ route: SemanticRoute) -> [FieldError] {
        let target = options.aiGateway
        var errors: [FieldError] = []
        for (i, backend) in route.spec.backends.enumerated() {
            let schema = backend.effectiveSchema.name
            let needs = AIGatewayVersion.introducing(schema)
            guard needs > target else { continue }
            // The field the user wrote: the schema override, else the preset that implies the schema.
            let at = (FieldPath.root / "spec" / "backends")[i]
            let path = backend.schema != nil ? at / "schema" / "name" : at / "provider"
            let value = backend.schema != nil ? schema.rawValue : backend.provider.rawValue
            errors.append(FieldError(.notSupported, path, value: "\"\(value)\"",
                                     "the \(schema.rawValue) schema needs Envoy AI Gateway \(needs) or later, and the target release is \(target)"))
        }
        return errors
    }
}
