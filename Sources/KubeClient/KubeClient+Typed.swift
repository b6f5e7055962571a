import KubeCore

/// Typed variants: objects go through KubeCore's Codable bridge. (`encoding:` keeps a dictionary literal from
/// being taken for a typed object.)
extension KubeClient {
    public func get<T: Decodable>(_ type: T.Type, _ resource: APIResource, namespace: String? = nil,
                                  name: String) async throws -> T {
        try decodeObject(try await get(resource, namespace: namespace, name: name), as: T.self)
    }

    public func list<T: Decodable>(_ type: T.Type, _ resource: APIResource, namespace: String? = nil,
                                   options: ListOptions = ListOptions()) async throws -> [T] {
        try await listAll(resource, namespace: namespace, options: options).items.map { try decodeObject($0, as: T.self) }
    }

    public func create<T: Codable>(_ resource: APIResource, namespace: String? = nil, encoding object: T,
                                   options: WriteOptions = WriteOptions()) async throws -> T {
        let created = try await create(resource, namespace: namespace, try encodeObject(object), options: options)
        return try decodeObject(created, as: T.self)
    }

    public func apply<T: Codable>(_ resource: APIResource, namespace: String? = nil, name: String, encoding object: T,
                                  subresource: Subresource? = nil, options: ApplyOptions) async throws -> T {
        let applied = try await apply(resource, namespace: namespace, name: name, try encodeObject(object),
                                      subresource: subresource, options: options)
        return try decodeObject(applied, as: T.self)
    }

    func decodeObject<T: Decodable>(_ value: JSONValue, as type: T.Type) throws -> T {
        do {
            return try value.decode(T.self)
        } catch {
            throw KubeError.transport("cannot decode \(T.self) from the server's answer: \(error)")
        }
    }

    func encodeObject<T: Encodable>(_ object: T) throws -> JSONValue {
        do {
            return try JSONValue.encode(object)
        } catch {
            throw Self.invalidRequest("cannot encode \(T.self): \(error)")
        }
    }
}
