import KubeCore
import SemanticRouteRender

/// The API resources the operator reads and writes besides what render produces (``RenderedKinds``):
/// SemanticRoutes and the kinds routes reference.
public enum ManagedKinds {
    public static let semanticRoutes = APIResource(group: "semroute.io", version: "v1alpha1", plural: "semanticroutes",
                                                   kind: "SemanticRoute", namespaced: true)
    public static let gateways = APIResource(group: "gateway.networking.k8s.io", version: "v1", plural: "gateways",
                                             kind: "Gateway", namespaced: true)

    /// The resource of a rendered object (matched by group and kind).
    public static func resource(for ref: ObjectRef) -> APIResource? {
        RenderedKinds.all.first { $0.kind == ref.kind && $0.group == ref.group }
    }

    /// What a route involves besides what render produces: the route itself, its namespaces and references.
    public static let involved: [APIResource] = [.namespaces, .secrets, gateways, semanticRoutes]

    /// The resource of any object a route involves (rendered, referenced, the route itself), by its
    /// `apiVersion` and `kind`; nil for anything else.
    public static func resource(of object: JSONValue) -> APIResource? {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue else { return nil }
        return (RenderedKinds.all + involved).first { $0.apiVersion == apiVersion && $0.kind == kind }
    }
}
