import KubeCore

/// Kubernetes RBAC over the stored `rbac.authorization.k8s.io/v1` objects, evaluated the way kube-apiserver's
/// RBAC authorizer does: a request is allowed when some binding names the user (directly, by a group, or as its
/// ServiceAccount) and the role it refers to has a rule matching the verb, API group, resource (with
/// subresource), name, or — for paths outside the resource API — the non-resource URL. ClusterRoleBindings
/// apply everywhere, RoleBindings only in their namespace. Deny by default; there are no deny rules.
///
/// Like a real cluster's default `system:discovery` and `system:public-info-viewer` bindings, every
/// authenticated user may read discovery, OpenAPI, `/version` and health paths.
/// ClusterRoles with an `aggregationRule` are evaluated with the rules of every ClusterRole their selectors
/// match (what the aggregation controller would write into them).
struct RBACAuthorizer: Sendable {
    var clusterRoles: [JSONValue]
    var clusterRoleBindings: [JSONValue]
    var roles: [JSONValue]
    var roleBindings: [JSONValue]

    /// What a request asks to do, as kube-apiserver's authorizer attributes.
    struct Attributes: Sendable, Equatable {
        var verb: String
        var isResourceRequest: Bool
        var group = ""
        var resource = ""
        var subresource: String?
        var namespace: String?
        var name: String?
        var path = ""

        init(_ info: RequestInfo, path: String) {
            verb = info.verb
            isResourceRequest = info.isResourceRequest
            group = info.group
            resource = info.resource
            subresource = info.subresource
            // kube-apiserver: a request for a namespace object is in that namespace (a RoleBinding there can allow it).
            namespace = info.resource == "namespaces" && info.group.isEmpty ? (info.name ?? info.namespace) : info.namespace
            name = info.name
            self.path = path
        }

        init(verb: String, group: String = "", resource: String, subresource: String? = nil, namespace: String? = nil,
             name: String? = nil) {
            self.verb = verb
            isResourceRequest = true
            self.group = group
            self.resource = resource
            self.subresource = subresource
            self.namespace = namespace
            self.name = name
        }

        init(verb: String, path: String) {
            self.verb = verb
            isResourceRequest = false
            self.path = path
        }
    }

    static let publicPaths = ["/api", "/api/*", "/apis", "/apis/*", "/version", "/version/", "/openapi", "/openapi/*",
                              "/healthz", "/livez", "/readyz"]

    func allows(_ user: UserInfo, _ request: Attributes) -> Bool {
        if !request.isResourceRequest, request.verb == "get",
           Self.publicPaths.contains(where: { Self.pathMatches($0, request.path) }) {
            return true
        }
        for binding in clusterRoleBindings where names(binding, user, bindingNamespace: nil) {
            if rules(binding, namespace: nil).contains(where: { Self.rule($0, allows: request) }) { return true }
        }
        guard let namespace = request.namespace, request.isResourceRequest else { return false }
        for binding in roleBindings where binding[path: "metadata", "namespace"]?.stringValue == namespace
            && names(binding, user, bindingNamespace: namespace) {
            if rules(binding, namespace: namespace).contains(where: { Self.rule($0, allows: request) }) { return true }
        }
        return false
    }

    /// kube-apiserver's message: `User "x" cannot list resource "configmaps" in API group "" in the namespace "a"`.
    static func deniedReason(_ user: UserInfo, _ request: Attributes) -> String {
        guard request.isResourceRequest else { return "User \"\(user.name)\" cannot \(request.verb) path \"\(request.path)\"" }
        var resource = request.resource
        if let sub = request.subresource { resource += "/\(sub)" }
        let scope = request.namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        return "User \"\(user.name)\" cannot \(request.verb) resource \"\(resource)\" in API group \"\(request.group)\" \(scope)"
    }

    /// The 403 kube-apiserver sends.
    static func forbidden(_ user: UserInfo, _ request: Attributes) -> APIError {
        let reason = deniedReason(user, request)
        guard request.isResourceRequest else { return APIError(code: 403, reason: "Forbidden", message: "forbidden: \(reason)") }
        let qualified = APIError.qualified(request.resource, group: request.group)
        let named = request.name.map { "\(qualified) \"\($0)\"" } ?? qualified
        return APIError(code: 403, reason: "Forbidden", message: "\(named) is forbidden: \(reason)",
                        details: .init(name: request.name, group: request.group.isEmpty ? nil : request.group,
                                       kind: request.resource))
    }

    // MARK: - Bindings and roles

    private func names(_ binding: JSONValue, _ user: UserInfo, bindingNamespace: String?) -> Bool {
        for subject in binding["subjects"]?.arrayValue ?? [] {
            let name = subject["name"]?.stringValue ?? ""
            switch subject["kind"]?.stringValue {
            case "User": if name == user.name { return true }
            case "Group": if user.groups.contains(name) { return true }
            case "ServiceAccount":
                // A ServiceAccount subject without a namespace means the binding's own (RoleBindings only).
                let namespace = subject["namespace"]?.stringValue ?? bindingNamespace ?? ""
                if let account = user.serviceAccount, account.namespace == namespace, account.name == name { return true }
            default: continue
            }
        }
        return false
    }

    private func rules(_ binding: JSONValue, namespace: String?) -> [JSONValue] {
        let kind = binding[path: "roleRef", "kind"]?.stringValue
        let name = binding[path: "roleRef", "name"]?.stringValue ?? ""
        if kind == "ClusterRole" { return clusterRoleRules(name) }
        guard kind == "Role", let namespace else { return [] }
        let role = roles.first {
            $0[path: "metadata", "name"]?.stringValue == name && $0[path: "metadata", "namespace"]?.stringValue == namespace
        }
        return role?["rules"]?.arrayValue ?? []
    }

    private func clusterRoleRules(_ name: String) -> [JSONValue] {
        guard let role = clusterRoles.first(where: { $0[path: "metadata", "name"]?.stringValue == name }) else { return [] }
        var rules = role["rules"]?.arrayValue ?? []
        let selectors = (role[path: "aggregationRule", "clusterRoleSelectors"]?.arrayValue ?? []).map(Self.selector)
        if !selectors.isEmpty {
            for other in clusterRoles where other[path: "metadata", "name"]?.stringValue != name {
                let labels = ObjectStore.labels(of: other)
                if selectors.contains(where: { $0.matches(labels) }) { rules += other["rules"]?.arrayValue ?? [] }
            }
        }
        return rules
    }

    static func selector(_ json: JSONValue) -> LabelSelector {
        let matchLabels = json["matchLabels"]?.objectValue.map { object in
            Dictionary(object.map { ($0.key, $0.value.stringValue ?? "") }, uniquingKeysWith: { a, _ in a })
        }
        let expressions = (json["matchExpressions"]?.arrayValue ?? []).compactMap { e -> LabelSelector.Requirement? in
            guard let key = e["key"]?.stringValue, let op = e["operator"]?.stringValue,
                  let parsed = LabelSelector.Requirement.Operator(rawValue: op) else { return nil }
            return LabelSelector.Requirement(key: key, operator: parsed, values: e["values"]?.arrayValue?.compactMap(\.stringValue))
        }
        return LabelSelector(matchLabels: matchLabels, matchExpressions: expressions.isEmpty ? nil : expressions)
    }

    // MARK: - Rules

    static func rule(_ rule: JSONValue, allows request: Attributes) -> Bool {
        let verbs = strings(rule["verbs"])
        guard verbs.contains("*") || verbs.contains(request.verb) else { return false }
        guard request.isResourceRequest else {
            return strings(rule["nonResourceURLs"]).contains { pathMatches($0, request.path) }
        }
        let groups = strings(rule["apiGroups"])
        guard groups.contains("*") || groups.contains(request.group) else { return false }
        let combined = request.subresource.map { "\(request.resource)/\($0)" } ?? request.resource
        let resourceMatch = strings(rule["resources"]).contains { r in
            r == "*" || r == combined || (request.subresource.map { r == "*/\($0)" } ?? false)
        }
        guard resourceMatch else { return false }
        let names = strings(rule["resourceNames"])
        guard !names.isEmpty else { return true }
        guard let name = request.name else { return false }
        return names.contains(name)
    }

    /// A non-resource URL rule: exact, `*`, or a prefix ending in `*`.
    static func pathMatches(_ pattern: String, _ path: String) -> Bool {
        if pattern == "*" || pattern == path { return true }
        guard pattern.hasSuffix("*") else { return false }
        return path.hasPrefix(String(pattern.dropLast()))
    }

    private static func strings(_ value: JSONValue?) -> [String] { value?.arrayValue?.compactMap(\.stringValue) ?? [] }
}
