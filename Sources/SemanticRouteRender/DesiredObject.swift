import KubeCore

/// One object render wants to exist, as the JSON that server-side apply sends: only the fields semroute owns.
public struct DesiredObject: Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    public var namespace: String
    /// The whole object, `apiVersion`, `kind` and `metadata` included.
    public var body: JSONValue

    /// Output order: ``RenderedKinds/all``'s, then by namespace and name within a kind.
    static let kindOrder = RenderedKinds.all.map(\.kind)

    static func precedes(_ a: DesiredObject, _ b: DesiredObject) -> Bool {
        let ka = kindOrder.firstIndex(of: a.kind) ?? kindOrder.count
        let kb = kindOrder.firstIndex(of: b.kind) ?? kindOrder.count
        return (ka, a.namespace, a.name) < (kb, b.namespace, b.name)
    }
}
