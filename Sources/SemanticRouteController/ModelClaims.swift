import KubeCore
import SemanticRouteRender

/// The model names a SemanticRoute claims on its Gateway: every value its AIGatewayRoute matches in
/// `x-ai-eg-model` (`spec.model`, `spec.aliases`, and the aliases render generates, `<route>.<decision>` per
/// decision and `<route>.default`). Two routes on one Gateway that claim a common name compete for the same
/// requests; ``ModelConflict`` decides which one keeps them.
///
/// Read from the raw object without strict decoding: a route whose current spec does not decode still holds
/// the names of the objects its last valid generation left applied.
public struct ModelClaims: Sendable, Hashable {
    public var namespace: String
    public var name: String
    /// The Gateway, `namespace/name` (its namespace defaults to the route's), as ``SharedPolicyPlanner/gateway(of:)``.
    public var gateway: String
    /// `metadata.creationTimestamp` (RFC 3339, UTC, whole seconds as the API server writes it); empty if unset.
    public var creationTimestamp: String
    public var names: Set<String>

    public init(namespace: String, name: String, gateway: String, creationTimestamp: String, names: Set<String>) {
        self.namespace = namespace
        self.name = name
        self.gateway = gateway
        self.creationTimestamp = creationTimestamp
        self.names = names
    }

    /// The claims of a raw SemanticRoute; nil when it names no Gateway, or when it is being deleted (a route on
    /// its way out yields its names at once) unless `evenIfDeleting`.
    public init?(_ route: JSONValue, evenIfDeleting: Bool = false) {
        guard let namespace = route[path: "metadata", "namespace"]?.stringValue,
              let name = route[path: "metadata", "name"]?.stringValue,
              let gateway = SharedPolicyPlanner.gateway(of: route),
              evenIfDeleting || route[path: "metadata", "deletionTimestamp"] == nil else { return nil }
        var names = Set<String>()
        if let model = route[path: "spec", "model"]?.stringValue { names.insert(model) }
        for alias in route[path: "spec", "aliases"]?.arrayValue ?? [] {
            if let alias = alias.stringValue { names.insert(alias) }
        }
        for decision in route[path: "spec", "decisions"]?.arrayValue ?? [] {
            if let decision = decision["name"]?.stringValue { names.insert(RouteNames.alias(route: name, decision: decision)) }
        }
        names.insert(RouteNames.alias(route: name, decision: RouteNames.defaultDecision))
        self.init(namespace: namespace, name: name, gateway: gateway,
                  creationTimestamp: route[path: "metadata", "creationTimestamp"]?.stringValue ?? "", names: names)
    }

    /// `namespace/name` of the route.
    public var route: String { "\(namespace)/\(name)" }

    /// The route-store index values (``RouteIndexes/modelClaim``): one per name, scoped to the Gateway.
    public var indexValues: [String] { names.sorted().map { Self.indexValue(gateway: gateway, name: $0) } }

    /// `<gateway namespace>/<gateway name>/<model name>`: a Gateway's namespace and name hold no `/`, so the value
    /// is unambiguous whatever the model name holds.
    public static func indexValue(gateway: String, name: String) -> String { "\(gateway)/\(name)" }

    /// Gateway API's precedence between conflicting routes: the older one first, then `namespace/name`
    /// alphabetically. A route without a creation timestamp counts as the newest.
    public func precedes(_ other: ModelClaims) -> Bool {
        switch (creationTimestamp.isEmpty, other.creationTimestamp.isEmpty) {
        case (false, true): return true
        case (true, false): return false
        default:
            if creationTimestamp != other.creationTimestamp { return creationTimestamp < other.creationTimestamp }
            return route < other.route
        }
    }
}
