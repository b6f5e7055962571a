import KubeCore

extension APIResponder {
    static func gvPath(_ group: String, _ version: String) -> String { group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)" }

    /// `/openapi/v3`: one entry per served group version, with a hash that changes when its resources do.
    func openAPIIndex() async -> JSONValue {
        let registry = await store.currentRegistry()
        var paths = JSONObject()
        var gvs: [(String, String)] = [("", "v1")]
        for g in registry.groups { for v in g.versions { gvs.append((g.group, v)) } }
        for (g, v) in gvs {
            let p = Self.gvPath(g, v)
            let hash = StableHash.hex64(registry.types(group: g, version: v).map { "\($0.storeKey)\($0.schema.map { JSONWriter.string($0.json) } ?? "")" }.joined())
            paths[p] = ["serverRelativeURL": .string("/openapi/v3/\(p)?hash=\(hash.uppercased())")]
        }
        return ["paths": .object(paths)]
    }

    /// `/openapi/v3/apis/G/V`: paths with the PATCH operation's `fieldValidation` parameter and patch content
    /// types (kubectl's checks for server-side validation and patch type) and one schema per kind, marked with
    /// `x-kubernetes-group-version-kind` (what `kubectl explain` looks up).
    func openAPIDocument(_ gvPath: String) async throws -> JSONValue {
        let registry = await store.currentRegistry()
        let parts = gvPath.split(separator: "/").map(String.init)
        let (group, version): (String, String)
        if parts.count == 2, parts[0] == "api" {
            (group, version) = ("", parts[1])
        } else if parts.count == 3, parts[0] == "apis" {
            (group, version) = (parts[1], parts[2])
        } else {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        let types = registry.types(group: group, version: version)
        guard !types.isEmpty else { throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource") }
        var paths = JSONObject()
        var schemas = JSONObject()
        for t in types {
            let schemaName = Self.schemaName(t)
            let gvk: JSONValue = ["group": .string(t.group), "version": .string(t.version), "kind": .string(t.kind)]
            let ref: JSONValue = ["$ref": .string("#/components/schemas/\(schemaName)")]
            var contentTypes: JSONValue = ["application/json-patch+json": ["schema": ["type": "object"]],
                                            "application/merge-patch+json": ["schema": ["type": "object"]],
                                            "application/apply-patch+yaml": ["schema": ["type": "object"]]]
            if t.strategicMerge { contentTypes["application/strategic-merge-patch+json"] = ["schema": ["type": "object"]] }
            let params: [JSONValue] = ["dryRun", "fieldManager", "fieldValidation", "force"].map {
                ["name": .string($0), "in": "query", "schema": ["type": "string", "uniqueItems": true]]
            }
            let response: JSONValue = ["200": ["description": "OK", "content": ["application/json": ["schema": ref]]]]
            let base = "/" + Self.gvPath(t.group, t.version) + (t.namespaced ? "/namespaces/{namespace}" : "") + "/\(t.plural)"
            paths[base + "/{name}"] = [
                "get": ["operationId": .string("read\(t.kind)"), "x-kubernetes-action": "get",
                        "x-kubernetes-group-version-kind": gvk, "responses": response],
                "put": ["operationId": .string("replace\(t.kind)"), "x-kubernetes-action": "put",
                        "x-kubernetes-group-version-kind": gvk, "requestBody": ["content": ["*/*": ["schema": ref]]],
                        "parameters": .array(params), "responses": response],
                "patch": ["operationId": .string("patch\(t.kind)"), "x-kubernetes-action": "patch",
                          "x-kubernetes-group-version-kind": gvk, "parameters": .array(params),
                          "requestBody": ["content": contentTypes, "required": true], "responses": response],
                "delete": ["operationId": .string("delete\(t.kind)"), "x-kubernetes-action": "delete",
                           "x-kubernetes-group-version-kind": gvk, "responses": response],
            ]
            paths[base] = [
                "post": ["operationId": .string("create\(t.kind)"), "x-kubernetes-action": "post",
                         "x-kubernetes-group-version-kind": gvk, "parameters": .array(params),
                         "requestBody": ["content": ["*/*": ["schema": ref]]], "responses": response],
            ]
            var schema = t.schema?.json ?? ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
            if schema["description"] == nil { schema["description"] = .string("\(t.kind) (\(t.api.apiVersion)), served by KubeLocal.") }
            if var properties = schema["properties"], properties.objectValue != nil {
                properties["metadata"] = Self.objectMetaSchema
                schema["properties"] = properties
            } else if t.schema == nil {
                schema["properties"] = ["apiVersion": ["type": "string", "description": "APIVersion defines the versioned schema of this representation of an object."],
                                        "kind": ["type": "string", "description": "Kind is a string value representing the REST resource this object represents."],
                                        "metadata": Self.objectMetaSchema]
            }
            schema["x-kubernetes-group-version-kind"] = [gvk]
            schemas[schemaName] = schema
        }
        return ["openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.32.0"], "paths": .object(paths),
                "components": ["schemas": .object(schemas)]]
    }

    /// `io.semroute.v1alpha1.SemanticRoute`, `io.k8s.api.core.v1.ConfigMap`.
    static func schemaName(_ t: ResourceType) -> String {
        if !t.isCustom {
            let g = t.group.isEmpty ? "core" : String(t.group.split(separator: ".").first!)
            return "io.k8s.api.\(g).\(t.version).\(t.kind)"
        }
        return t.group.split(separator: ".").reversed().joined(separator: ".") + ".\(t.version).\(t.kind)"
    }

    static let objectMetaSchema: JSONValue = [
        "type": "object",
        "description": "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
        "properties": [
            "name": ["type": "string", "description": "Name must be unique within a namespace."],
            "namespace": ["type": "string", "description": "Namespace defines the space within which each name must be unique."],
            "labels": ["type": "object", "additionalProperties": ["type": "string"], "description": "Map of string keys and values that can be used to organize and categorize objects."],
            "annotations": ["type": "object", "additionalProperties": ["type": "string"], "description": "Annotations is an unstructured key value map stored with a resource."],
        ],
    ]
}
