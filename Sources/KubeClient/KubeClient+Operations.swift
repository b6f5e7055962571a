import KubeCore

extension KubeClient {
    /// GET one object. `namespace` is required for namespaced resources.
    public func get(_ resource: APIResource, namespace: String? = nil, name: String,
                    subresource: Subresource? = nil) async throws -> JSONValue {
        let path = try Self.namespacedPath(resource, namespace: namespace, name: name, subresource: subresource)
        return try await send(Request(method: .GET, path: path, idempotent: true)).body
    }

    /// One page of a list. `namespace: nil` lists a namespaced resource across all namespaces.
    ///
    /// A real API server leaves `apiVersion` and `kind` off the items of built-in lists (a `ConfigMapList`'s
    /// items have neither; custom resources' items have both). Like client-go's unstructured list decoding,
    /// every item missing them gets the resource's, so callers never see an object without its type.
    public func list(_ resource: APIResource, namespace: String? = nil,
                     options: ListOptions = ListOptions()) async throws -> ObjectList {
        let path = try Self.path(resource, namespace: namespace)
        let body = try await send(Request(method: .GET, path: path, query: options.query, idempotent: true)).body
        guard let items = body["items"]?.arrayValue ?? (body["items"]?.isNull == true ? [] : nil) else {
            throw KubeError.transport("GET \(path): list response has no items")
        }
        let meta = body["metadata"]
        return ObjectList(items: items.map { Self.typed($0, as: resource) }, resourceVersion: meta?["resourceVersion"]?.stringValue ?? "",
                          continueToken: meta?["continue"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
                          remainingItemCount: meta?["remainingItemCount"]?.intValue)
    }

    /// `object` with `apiVersion` and `kind` set from `resource` where absent.
    static func typed(_ object: JSONValue, as resource: APIResource) -> JSONValue {
        guard case .object(var body) = object, body["apiVersion"] == nil || body["kind"] == nil else { return object }
        if body["apiVersion"] == nil { body["apiVersion"] = .string(resource.apiVersion) }
        if body["kind"] == nil { body["kind"] = .string(resource.kind) }
        return .object(body)
    }

    /// The HTTP status of a GET on a non-resource path such as `/readyz` or `/healthz` (nil: no answer).
    /// Not retried; for readiness checks.
    public func probe(_ path: String) async -> Int? {
        guard let http = try? httpRequest(Request(method: .GET, path: path, idempotent: true)) else { return nil }
        do {
            let response = try await self.http.execute(http, timeout: .nanoseconds(requestTimeout.nanosecondsClamped))
            _ = try? await response.body.collect(upTo: 1 << 20)
            return Int(response.status.code)
        } catch {
            return nil
        }
    }

    /// Every page of a list (following `continue` tokens), as one consistent snapshot whose resourceVersion is
    /// the first page's. A token that expires mid-way (410) is thrown; callers relist.
    public func listAll(_ resource: APIResource, namespace: String? = nil, options: ListOptions = ListOptions(),
                        pageSize: Int = 500) async throws -> ObjectList {
        var options = options
        options.limit = pageSize
        var page = try await list(resource, namespace: namespace, options: options)
        var all = ObjectList(items: page.items, resourceVersion: page.resourceVersion)
        options.resourceVersion = nil
        while let token = page.continueToken {
            options.continueToken = token
            page = try await list(resource, namespace: namespace, options: options)
            all.items += page.items
        }
        return all
    }

    /// POST a new object. Not retried on 5xx/transport errors (it may have been created).
    public func create(_ resource: APIResource, namespace: String? = nil, _ object: JSONValue,
                       options: WriteOptions = WriteOptions()) async throws -> JSONValue {
        let path = try Self.namespacedPath(resource, namespace: namespace)
        return try await send(Request(method: .POST, path: path, query: options.query, body: object,
                                      idempotent: false)).body
    }

    /// PUT (update) an object; its `metadata.resourceVersion`, when set, makes this a compare-and-swap (409).
    public func replace(_ resource: APIResource, namespace: String? = nil, name: String, _ object: JSONValue,
                        subresource: Subresource? = nil, options: WriteOptions = WriteOptions()) async throws -> JSONValue {
        let path = try Self.namespacedPath(resource, namespace: namespace, name: name, subresource: subresource)
        return try await send(Request(method: .PUT, path: path, query: options.query, body: object,
                                      idempotent: false)).body
    }

    /// Server-side apply: sends `object` (only the fields this manager owns) as `application/apply-patch+yaml`.
    /// `apiVersion`, `kind` and `metadata.name` are filled in from the resource and `name` when absent (for
    /// `scale`, the body is an `autoscaling/v1` `Scale`). A field owned by another manager is a 409 conflict
    /// unless `options.force`.
    public func apply(_ resource: APIResource, namespace: String? = nil, name: String, _ object: JSONValue,
                      subresource: Subresource? = nil, options: ApplyOptions) async throws -> JSONValue {
        let path = try Self.namespacedPath(resource, namespace: namespace, name: name, subresource: subresource)
        guard case .object(var body) = object else { throw Self.invalidRequest("an applied object must be a JSON object") }
        if body["apiVersion"] == nil {
            body["apiVersion"] = .string(subresource == .scale ? "autoscaling/v1" : resource.apiVersion)
        }
        if body["kind"] == nil { body["kind"] = .string(subresource == .scale ? "Scale" : resource.kind) }
        var metadata = body["metadata"]?.objectValue ?? JSONObject()
        if metadata["name"] == nil { metadata["name"] = .string(name) }
        if resource.namespaced, metadata["namespace"] == nil, let namespace { metadata["namespace"] = .string(namespace) }
        body["metadata"] = .object(metadata)
        var query = [("fieldManager", options.fieldManager)]
        if options.force { query.append(("force", "true")) }
        if options.dryRun { query.append(("dryRun", "All")) }
        return try await send(Request(method: .PATCH, path: path, query: query, body: .object(body),
                                      contentType: "application/apply-patch+yaml", idempotent: true)).body
    }

    /// JSON merge patch (retried: idempotent) or JSON patch (not retried on 5xx/transport).
    public func patch(_ resource: APIResource, namespace: String? = nil, name: String, _ patch: Patch,
                      subresource: Subresource? = nil, options: WriteOptions = WriteOptions()) async throws -> JSONValue {
        let path = try Self.namespacedPath(resource, namespace: namespace, name: name, subresource: subresource)
        let idempotent = if case .merge = patch { true } else { false }
        return try await send(Request(method: .PATCH, path: path, query: options.query, body: patch.body,
                                      contentType: patch.contentType, idempotent: idempotent)).body
    }

    /// DELETE an object. Returns the object (still present while finalizers run, or as deleted) or the
    /// server's `Status`. Retried on 5xx/transport only with preconditions (see ``RetryPolicy``).
    @discardableResult
    public func delete(_ resource: APIResource, namespace: String? = nil, name: String,
                       options: DeleteOptions = DeleteOptions()) async throws -> JSONValue {
        let path = try Self.namespacedPath(resource, namespace: namespace, name: name)
        let query: [(String, String)] = options.dryRun ? [("dryRun", "All")] : []
        return try await send(Request(method: .DELETE, path: path, query: query, body: options.body,
                                      idempotent: options.hasPreconditions)).body
    }

    /// DELETE every object of a collection matching the selectors (`deletecollection`).
    public func deleteCollection(_ resource: APIResource, namespace: String? = nil,
                                 options: ListOptions = ListOptions()) async throws {
        let path = try Self.path(resource, namespace: namespace)
        _ = try await send(Request(method: .DELETE, path: path, query: options.query, idempotent: true))
    }
}

extension WriteOptions {
    var query: [(String, String)] {
        var q: [(String, String)] = []
        if let fieldManager { q.append(("fieldManager", fieldManager)) }
        if dryRun { q.append(("dryRun", "All")) }
        return q
    }
}
