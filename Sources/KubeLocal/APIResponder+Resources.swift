import Foundation
import Hummingbird
import KubeCore
import HTTPTypes
import NIOCore

extension APIResponder {
    func handleResource(_ request: Request, info: RequestInfo, query: [String: String]) async throws -> Response {
        guard let type = await store.type(group: info.group, version: info.version, plural: info.resource) else {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource",
                           details: .init())
        }
        if !type.namespaced, info.namespace != nil {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource",
                           details: .init())
        }
        if let sub = info.subresource {
            let known = (sub == "status" && type.hasStatus) || (sub == "scale" && type.scale != nil)
            guard known else {
                throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource",
                               details: .init())
            }
        }
        if type.namespaced, info.namespace == nil, !["list", "watch"].contains(info.verb) {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource",
                           details: .init())
        }
        let accept = request.headers[.accept] ?? "application/json"
        let table = accept.contains("as=Table")
        switch info.verb {
        case "list":
            let result = try await store.list(type, namespace: info.namespace, labels: try labels(query), fields: try fields(query, type),
                                              limit: query["limit"].flatMap { Int($0) }, continueToken: query["continue"])
            if table {
                return Self.json(tableObject(type, objects: result.items, resourceVersion: result.resourceVersion,
                                             continueToken: result.continueToken, includeObject: query["includeObject"]))
            }
            var metadata: JSONValue = ["resourceVersion": .string(result.resourceVersion)]
            if let token = result.continueToken { metadata["continue"] = .string(token) }
            if let remaining = result.remainingItemCount { metadata["remainingItemCount"] = .int(Int64(remaining)) }
            return Self.json(["apiVersion": .string(type.api.apiVersion), "items": .array(Self.listItems(result.items, of: type)),
                              "kind": .string(type.listKind), "metadata": metadata])
        case "watch":
            return try await watch(type, info: info, query: query, table: table)
        case "get":
            let object = try await store.get(type, namespace: info.namespace, name: info.name!)
            if info.subresource == "scale" { return Self.json(Self.scale(of: object, type: type)) }
            if table {
                return Self.json(tableObject(type, objects: [object], resourceVersion: object[path: "metadata", "resourceVersion"]?.stringValue ?? "",
                                             continueToken: nil, includeObject: query["includeObject"]))
            }
            return Self.json(object)
        case "create":
            guard info.name == nil else { throw APIError.methodNotAllowed() }
            let body = try await Self.body(request)
            try checkTypeMeta(body, type)
            let result = try await store.create(type, namespace: info.namespace, object: body,
                                                options: try writeOptions(request, query))
            return Self.json(result.object, status: .created, headers: warnings(result.warnings))
        case "update":
            let body = try await Self.body(request)
            if info.subresource == "scale" {
                let scale = body
                let result = try await store.patch(type, namespace: info.namespace, name: info.name!,
                                                   options: try writeOptions(request, query)) { current throws(APIError) in
                    try Self.applyScale(scale, to: current!, type: type)
                }
                return Self.json(Self.scale(of: result.object, type: type), headers: warnings(result.warnings))
            }
            try checkTypeMeta(body, type)
            var options = try writeOptions(request, query)
            options.subresource = info.subresource == "status" ? .status : .main
            let result = try await store.update(type, namespace: info.namespace, name: info.name!, object: body, options: options)
            return Self.json(result.object, headers: warnings(result.warnings))
        case "patch":
            return try await patch(request, type: type, info: info, query: query)
        case "delete":
            let options = try await deleteOptions(request, query)
            let (object, removed) = try await store.delete(type, namespace: info.namespace, name: info.name!, options: options)
            if type.deleteReturnsStatus && removed {
                var details: JSONValue = ["name": .string(info.name!), "kind": .string(type.plural)]
                if !type.group.isEmpty { details["group"] = .string(type.group) }
                if let uid = object[path: "metadata", "uid"] { details["uid"] = uid }
                return Self.json(["kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject()), "status": "Success",
                                  "details": details])
            }
            return Self.json(object, status: removed ? .ok : .accepted)
        case "deletecollection":
            let options = try await deleteOptions(request, query)
            let items = try await store.deleteCollection(type, namespace: info.namespace, labels: try labels(query),
                                                         fields: try fields(query, type), options: options)
            return Self.json(["apiVersion": .string(type.api.apiVersion), "items": .array(Self.listItems(items, of: type)), "kind": .string(type.listKind),
                              "metadata": .object(JSONObject())])
        default:
            throw APIError.methodNotAllowed()
        }
    }

    private func patch(_ request: Request, type: ResourceType, info: RequestInfo, query: [String: String]) async throws -> Response {
        let contentType = (request.headers[.contentType] ?? "").split(separator: ";").first.map(String.init) ?? ""
        var accepted = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]
        if type.strategicMerge { accepted.insert("application/strategic-merge-patch+json", at: 2) }
        guard accepted.contains(contentType) else {
            throw APIError.unsupportedMediaType(contentType, accepted: accepted)
        }
        let body = try await Self.body(request)
        var options = try writeOptions(request, query)
        options.subresource = info.subresource == "status" ? .status : .main
        let isScale = info.subresource == "scale"
        if contentType == "application/apply-patch+yaml" {
            guard let manager = query["fieldManager"], !manager.isEmpty else {
                throw APIError.badRequest("PATCH requests with apply content type require fieldManager")
            }
            options.operation = "Apply"
            options.force = query["force"] == "true"
            let force = options.force
            let subresource = options.subresource
            if isScale {
                let result = try await store.patch(type, namespace: info.namespace, name: info.name!, options: options) { current throws(APIError) in
                    guard let current else { throw .notFound(type.plural, group: type.group, name: info.name!) }
                    return try ServerSideApply.applyScale(applied: body, to: current, manager: manager, force: force, type: type)
                }
                return Self.json(Self.scale(of: result.object, type: type), headers: warnings(result.warnings))
            }
            let result = try await store.patch(type, namespace: info.namespace, name: info.name!, options: options) { current throws(APIError) in
                try ServerSideApply.apply(applied: body, to: current, manager: manager, force: force, type: type, subresource: subresource)
            }
            return Self.json(result.object, status: result.created ? .created : .ok, headers: warnings(result.warnings))
        }
        let result = try await store.patch(type, namespace: info.namespace, name: info.name!, options: options) { current throws(APIError) in
            guard let current else { throw .notFound(type.plural, group: type.group, name: info.name!) }
            let target = isScale ? Self.scale(of: current, type: type) : current
            let patched: JSONValue
            switch contentType {
            case "application/json-patch+json": patched = try JSONPatch.apply(body, to: target)
            case "application/strategic-merge-patch+json": patched = try StrategicMergePatch.apply(body, to: target)
            default: patched = JSONMergePatch.apply(body, to: target)
            }
            return isScale ? try Self.applyScale(patched, to: current, type: type) : patched
        }
        if isScale { return Self.json(Self.scale(of: result.object, type: type), headers: warnings(result.warnings)) }
        return Self.json(result.object, headers: warnings(result.warnings))
    }

    // MARK: - Parameters

    func labels(_ query: [String: String]) throws -> LabelSelector {
        guard let text = query["labelSelector"], !text.isEmpty else { return LabelSelector() }
        do { return try LabelSelector(parsing: text) } catch { throw APIError.badRequest("\(error)") }
    }

    func fields(_ query: [String: String], _ type: ResourceType) throws -> FieldSelector {
        guard let text = query["fieldSelector"], !text.isEmpty else { return FieldSelector() }
        return try FieldSelector(parsing: text, for: type)
    }

    func writeOptions(_ request: Request, _ query: [String: String]) throws -> WriteOptions {
        var options = WriteOptions()
        if let dryRun = query["dryRun"], !dryRun.isEmpty {
            guard dryRun == "All" else { throw APIError.badRequest("Invalid dry run value: \(dryRun): supported values: \"All\"") }
            options.dryRun = true
        }
        if let v = query["fieldValidation"], !v.isEmpty {
            guard let fv = WriteOptions.FieldValidation(rawValue: v) else {
                throw APIError.badRequest("fieldValidation: Unsupported value: \"\(v)\": supported values: \"Ignore\", \"Strict\", \"Warn\"")
            }
            options.fieldValidation = fv
        }
        let agent = request.headers[.userAgent].map { String($0.split(separator: "/").first ?? "") }
        options.fieldManager = query["fieldManager"] ?? agent ?? "unknown"
        return options
    }

    func deleteOptions(_ request: Request, _ query: [String: String]) async throws -> DeleteOptions {
        var options = DeleteOptions()
        let buffer = try await request.body.collect(upTo: 1024 * 1024)
        let body = buffer.readableBytes > 0 ? (try? JSONParser.parse(String(buffer: buffer))) : nil
        let policy = body?["propagationPolicy"]?.stringValue ?? query["propagationPolicy"]
        if let policy {
            guard let p = DeleteOptions.Propagation(rawValue: policy) else {
                throw APIError.badRequest("propagationPolicy: Unsupported value: \"\(policy)\": supported values: \"Foreground\", \"Background\", \"Orphan\"")
            }
            options.propagation = p
        } else if body?["orphanDependents"]?.boolValue == true || query["orphanDependents"] == "true" {
            options.propagation = .orphan
        }
        options.preconditionUID = body?[path: "preconditions", "uid"]?.stringValue
        options.preconditionResourceVersion = body?[path: "preconditions", "resourceVersion"]?.stringValue
        let dryRun = body?["dryRun"]?.arrayValue?.first?.stringValue ?? query["dryRun"]
        options.dryRun = dryRun == "All"
        return options
    }

    func checkTypeMeta(_ body: JSONValue, _ type: ResourceType) throws {
        if let kind = body["kind"]?.stringValue, kind != type.kind {
            throw APIError.badRequest("the API version in the data (\(body["apiVersion"]?.stringValue ?? "")) does not match the expected API version (\(type.api.apiVersion))")
        }
        if let av = body["apiVersion"]?.stringValue, av != type.api.apiVersion {
            throw APIError.badRequest("the API version in the data (\(av)) does not match the expected API version (\(type.api.apiVersion))")
        }
    }

    func warnings(_ list: [String]) -> HTTPFields {
        var fields = HTTPFields()
        for w in list { fields.append(HTTPField(name: HTTPField.Name("Warning")!, value: "299 - \"\(w.replacingOccurrences(of: "\"", with: "\\\""))\"")) }
        return fields
    }

    // MARK: - Scale

    /// The `autoscaling/v1` Scale view of an object.
    static func scale(of object: JSONValue, type: ResourceType) -> JSONValue {
        let mapping = type.scale!
        var metadata = JSONObject()
        for key in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            if let v = object[path: "metadata", key] { metadata[key] = v }
        }
        var status: JSONValue = ["replicas": JSONPath.first(mapping.statusReplicasPath, in: object) ?? 0]
        if let selectorPath = mapping.labelSelectorPath, let selector = JSONPath.first(selectorPath, in: object) {
            status["selector"] = selector
        } else if type.storeKey == "deployments.apps", let selector = object[path: "spec", "selector"],
                  let parsed = try? LabelSelector(json: selector) {
            status["selector"] = .string(parsed.description)
        }
        return ["kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(metadata),
                "spec": ["replicas": JSONPath.first(mapping.specReplicasPath, in: object) ?? 0], "status": status]
    }

    /// Writes a Scale's `spec.replicas` into the object (with the Scale's resourceVersion as precondition).
    static func applyScale(_ scale: JSONValue, to object: JSONValue, type: ResourceType) throws(APIError) -> JSONValue {
        guard let replicas = scale[path: "spec", "replicas"]?.intValue else {
            throw .invalid(kind: "Scale", group: "autoscaling", name: object[path: "metadata", "name"]?.stringValue ?? "",
                           errors: [.required("spec.replicas")])
        }
        if replicas < 0 {
            throw .invalid(kind: "Scale", group: "autoscaling", name: object[path: "metadata", "name"]?.stringValue ?? "",
                           errors: [.invalid("spec.replicas", String(replicas), "must be greater than or equal to 0")])
        }
        var out = object
        JSONPath.set(type.scale!.specReplicasPath, to: .int(replicas), in: &out)
        if let rv = scale[path: "metadata", "resourceVersion"]?.stringValue, !rv.isEmpty {
            out["metadata"]?["resourceVersion"] = .string(rv)
        }
        return out
    }

    /// List items as kube-apiserver writes them: the items of a built-in list carry no `apiVersion` and `kind`
    /// (its typed encoder leaves an item's TypeMeta empty); custom resources' items keep both.
    static func listItems(_ items: [JSONValue], of type: ResourceType) -> [JSONValue] {
        guard !type.isCustom else { return items }
        return items.map { item in
            guard case .object(var object) = item else { return item }
            object["apiVersion"] = nil
            object["kind"] = nil
            return .object(object)
        }
    }
}

extension KubeCore.LabelSelector {
    init(json: JSONValue) throws {
        self = try json.decode(KubeCore.LabelSelector.self)
    }
}
