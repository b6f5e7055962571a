import KubeCore
import SemanticRouteAPI

/// One object a SemanticRoute refers to but does not own: its Gateway, a Secret holding credentials, or the
/// Service of a self-hosted backend. `field` is where the spec names it, so status can point at it.
public struct RouteReference: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case gateway = "Gateway"
        case secret = "Secret"
        case service = "Service"
    }

    public var kind: Kind
    public var namespace: String
    public var name: String
    public var field: FieldPath
    /// Secret: the key AI Gateway reads. Service: the port, as a string. Gateway: the listener name.
    public var detail: String?

    public init(kind: Kind, namespace: String, name: String, field: FieldPath, detail: String? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.field = field
        self.detail = detail
    }

    /// `namespace/name`, the key under which stores and indexes hold the referenced object.
    public var namespacedName: String { "\(namespace)/\(name)" }

    /// Every reference of a (decoded, valid) route, Gateway first, then per backend in spec order.
    public static func all(of route: SemanticRoute) -> [RouteReference] {
        let ns = route.namespace
        let gateway = route.spec.gatewayRef
        var refs = [RouteReference(kind: .gateway, namespace: gateway.namespace ?? ns, name: gateway.name,
                                   field: "spec.gatewayRef",
                                   detail: gateway.listener ?? GatewayReference.defaultListener)]
        for (i, backend) in route.spec.backends.enumerated() {
            let path = (FieldPath("spec") / "backends")[i]
            if let service = backend.endpoint?.service {
                refs.append(RouteReference(kind: .service, namespace: service.namespace ?? ns, name: service.name,
                                           field: path / "endpoint" / "service", detail: String(service.port)))
            }
            if let auth = backend.auth, let (member, ref) = auth.secretReference, let kind = auth.kinds.first {
                refs.append(RouteReference(kind: .secret, namespace: ns, name: ref.name,
                                           field: path / "auth" / FieldPath(stringLiteral: member),
                                           detail: ref.key ?? kind.secretKey))
            }
        }
        return refs
    }
}
