import KubeCore

extension APIResponder {
    /// `/api`: the legacy core group's versions.
    func apiVersions() -> JSONValue {
        ["kind": "APIVersions", "versions": ["v1"],
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"]]]
    }

    func groupJSON(_ group: String, _ versions: [String]) -> JSONValue {
        let vs: [JSONValue] = versions.map { ["groupVersion": .string("\(group)/\($0)"), "version": .string($0)] }
        return ["name": .string(group), "versions": .array(vs), "preferredVersion": vs[0]]
    }

    /// `/apis`: every named group (built-in and from CRDs), legacy (unaggregated) discovery, which kubectl
    /// falls back to when the response is plain `application/json`.
    func apiGroupList() async -> JSONValue {
        let registry = await store.currentRegistry()
        return ["kind": "APIGroupList", "apiVersion": "v1",
                "groups": .array(registry.groups.map { groupJSON($0.group, $0.versions) })]
    }

    func apiGroup(_ name: String) async throws -> JSONValue {
        let registry = await store.currentRegistry()
        guard let g = registry.groups.first(where: { $0.group == name }) else {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        var out = groupJSON(g.group, g.versions)
        out["kind"] = "APIGroup"
        out["apiVersion"] = "v1"
        return out
    }

    /// `/api/v1`, `/apis/G/V`: the resources of one group version with their verbs and subresources.
    func resourceList(group: String, version: String) async throws -> JSONValue {
        let registry = await store.currentRegistry()
        let types = registry.types(group: group, version: version)
        guard !types.isEmpty else {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        var resources: [JSONValue] = []
        for t in types {
            var r: JSONValue = ["name": .string(t.plural), "singularName": .string(t.singular), "namespaced": .bool(t.namespaced),
                                 "kind": .string(t.kind), "verbs": JSONValue(t.verbs)]
            if !t.shortNames.isEmpty { r["shortNames"] = JSONValue(t.shortNames) }
            if !t.categories.isEmpty { r["categories"] = JSONValue(t.categories) }
            r["storageVersionHash"] = .string(StableHash.hex32(t.storeKey))
            resources.append(r)
            if t.hasStatus {
                resources.append(["name": .string("\(t.plural)/status"), "singularName": "", "namespaced": .bool(t.namespaced),
                                  "kind": .string(t.kind), "verbs": ["get", "patch", "update"]])
            }
            if t.scale != nil {
                resources.append(["name": .string("\(t.plural)/scale"), "singularName": "", "namespaced": .bool(t.namespaced),
                                  "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]])
            }
        }
        return ["kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"), "resources": .array(resources)]
    }
}
