import KubeCore

/// A reference that does not resolve, with the reason and a message that names the object and the field.
public struct MissingReference: Sendable, Hashable, CustomStringConvertible {
    public enum Problem: Sendable, Hashable {
        /// No such object.
        case notFound
        /// The Secret exists but lacks the key AI Gateway reads.
        case secretKeyMissing(String)
        /// The Service exists but has no such port.
        case servicePortMissing(Int)
        /// The Gateway exists but has no listener of that name.
        case listenerMissing(String)
        /// The cluster does not serve the kind at all (e.g. the Gateway API CRDs are not installed).
        case kindNotInstalled
        /// The operator runs with `--namespace` and that namespace is not one of them: it cannot see (nor, with
        /// a namespaced install's RBAC, write) objects there.
        case namespaceNotWatched
    }

    public var reference: RouteReference
    public var problem: Problem

    public init(_ reference: RouteReference, _ problem: Problem) {
        self.reference = reference
        self.problem = problem
    }

    /// The closed PascalCase reason for the `ResolvedRefs` condition.
    public var reason: ConditionReason {
        switch (reference.kind, problem) {
        case (_, .kindNotInstalled): .kindNotInstalled
        case (_, .namespaceNotWatched): .namespaceNotWatched
        case (.gateway, .listenerMissing): .listenerNotFound
        case (.gateway, _): .gatewayNotFound
        case (.secret, .secretKeyMissing): .secretKeyNotFound
        case (.secret, _): .secretNotFound
        case (.service, .servicePortMissing): .servicePortNotFound
        case (.service, _): .serviceNotFound
        }
    }

    public var description: String {
        let what = "\(reference.kind.rawValue) \(reference.namespacedName)"
        let at = "(\(reference.field))"
        switch problem {
        case .notFound: return "\(what) \(at) not found"
        case .secretKeyMissing(let key): return "\(what) \(at) has no key \"\(key)\""
        case .servicePortMissing(let port): return "\(what) \(at) has no port \(port)"
        case .listenerMissing(let listener): return "\(what) \(at) has no listener \"\(listener)\""
        case .kindNotInstalled:
            return "\(what) \(at) cannot be resolved: the cluster does not serve \(reference.kind.rawValue) (is its CRD installed?)"
        case .namespaceNotWatched:
            return "\(what) \(at) is in namespace \"\(reference.namespace)\", which the operator does not watch (add it to --namespace / the chart's watchNamespaces)"
        }
    }
}
