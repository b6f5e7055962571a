import KubeCore

/// Checks a route's references against a snapshot of the cluster (the informers' stores). Pure: the lookup
/// is a function, so tests pass dictionaries and the controller passes its stores.
public struct ReferenceResolver: Sendable {
    /// Returns the object, or nil when it does not exist.
    public typealias Lookup = @Sendable (RouteReference.Kind, _ namespace: String, _ name: String) -> JSONValue?

    /// Kinds the cluster serves; a reference to any other kind reports `kindNotInstalled`.
    public var servedKinds: Set<RouteReference.Kind>
    /// The operator's `--namespace` list; empty: every namespace is watched.
    public var watchedNamespaces: Set<String>
    public var lookup: Lookup

    public init(servedKinds: Set<RouteReference.Kind> = Set(RouteReference.Kind.allCases), watchedNamespaces: Set<String> = [],
                lookup: @escaping Lookup) {
        self.servedKinds = servedKinds
        self.watchedNamespaces = watchedNamespaces
        self.lookup = lookup
    }

    /// Every reference that does not resolve, in the order the spec lists them; a reference named twice is
    /// reported once.
    public func missing(_ references: [RouteReference]) -> [MissingReference] {
        var seen: Set<String> = []
        var out: [MissingReference] = []
        for ref in references {
            let identity = "\(ref.kind.rawValue)/\(ref.namespacedName)/\(ref.detail ?? "")"
            guard seen.insert(identity).inserted else { continue }
            if let problem = problem(ref) { out.append(MissingReference(ref, problem)) }
        }
        return out
    }

    func problem(_ ref: RouteReference) -> MissingReference.Problem? {
        guard servedKinds.contains(ref.kind) else { return .kindNotInstalled }
        guard watchedNamespaces.isEmpty || watchedNamespaces.contains(ref.namespace) else { return .namespaceNotWatched }
        guard let object = lookup(ref.kind, ref.namespace, ref.name) else { return .notFound }
        switch ref.kind {
        case .gateway:
            guard let listener = ref.detail else { return nil }
            let names = (object[path: "spec", "listeners"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            return names.contains(listener) ? nil : .listenerMissing(listener)
        case .secret:
            guard let key = ref.detail else { return nil }
            let data = object["data"]?.objectValue?.keys ?? []
            let stringData = object["stringData"]?.objectValue?.keys ?? []
            return (data + stringData).contains(key) ? nil : .secretKeyMissing(key)
        case .service:
            guard let port = ref.detail.flatMap({ Int($0) }) else { return nil }
            let ports = (object[path: "spec", "ports"]?.arrayValue ?? []).compactMap { $0["port"]?.intValue }
            return ports.contains(Int64(port)) ? nil : .servicePortMissing(port)
        }
    }
}
