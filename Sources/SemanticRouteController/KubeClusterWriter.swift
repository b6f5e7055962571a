import KubeClient
import KubeCore

/// ``ClusterWriter`` over ``KubeClient``: server-side apply with field manager `semroute` and `force`.
struct KubeClusterWriter: ClusterWriter {
    static let fieldManager = "semroute"
    let client: KubeClient

    func resource(_ key: ObjectRef) throws(KubeError) -> APIResource {
        guard let resource = ManagedKinds.resource(for: key) else {
            throw KubeError.invalid(Status(message: "semroute does not manage \(key.apiVersion) \(key.kind)", reason: "Invalid"),
                                    causes: [])
        }
        return resource
    }

    func get(_ key: ObjectRef) async throws(KubeError) -> JSONValue? {
        let resource = try resource(key)
        do {
            return try await client.get(resource, namespace: key.namespace, name: key.name)
        } catch KubeError.notFound {
            return nil
        } catch {
            throw Self.failure(error)
        }
    }

    func apply(_ key: ObjectRef, _ body: JSONValue) async throws(KubeError) -> JSONValue {
        let resource = try resource(key)
        do {
            return try await client.apply(resource, namespace: key.namespace, name: key.name, body,
                                          options: ApplyOptions(fieldManager: Self.fieldManager, force: true))
        } catch {
            throw Self.failure(error)
        }
    }

    func delete(_ key: ObjectRef) async throws(KubeError) {
        let resource = try resource(key)
        do {
            try await client.delete(resource, namespace: key.namespace, name: key.name,
                                    options: DeleteOptions(propagationPolicy: .background))
        } catch KubeError.notFound {
            return
        } catch {
            throw Self.failure(error)
        }
    }

    func setFinalizers(namespace: String, name: String, _ finalizers: [String], resourceVersion: String?)
        async throws(KubeError) -> JSONValue {
        var meta = JSONObject([("finalizers", JSONValue(finalizers))])
        if let resourceVersion { meta["resourceVersion"] = .string(resourceVersion) }
        do {
            return try await client.patch(ManagedKinds.semanticRoutes, namespace: namespace, name: name,
                                          .merge(["metadata": .object(meta)]),
                                          options: WriteOptions(fieldManager: Self.fieldManager))
        } catch {
            throw Self.failure(error)
        }
    }

    func removeAnnotation(namespace: String, name: String, key: String, ifValue value: String) async throws(KubeError) {
        // RFC 6901: `~` is `~0` and `/` is `~1` in a JSON pointer.
        let pointer = "/metadata/annotations/" + key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
        do {
            _ = try await client.patch(ManagedKinds.semanticRoutes, namespace: namespace, name: name,
                                       .json([["op": "test", "path": .string(pointer), "value": .string(value)],
                                              ["op": "remove", "path": .string(pointer)]]),
                                       options: WriteOptions(fieldManager: Self.fieldManager))
        } catch {
            throw Self.failure(error)
        }
    }

    /// A JSON merge patch of the whole status through the status subresource: lists are replaced whole, and
    /// every top-level field we no longer report is sent as null so it goes away.
    func writeStatus(namespace: String, name: String, _ status: JSONValue) async throws(KubeError) -> JSONValue {
        var patch = status.objectValue ?? JSONObject()
        for key in Self.statusFields where patch[key] == nil { patch[key] = .null }
        do {
            return try await client.patch(ManagedKinds.semanticRoutes, namespace: namespace, name: name,
                                          .merge(["status": .object(patch)]), subresource: .status,
                                          options: WriteOptions(fieldManager: Self.fieldManager))
        } catch {
            throw Self.failure(error)
        }
    }

    static let statusFields = ["observedGeneration", "conditions", "classifier", "decisions", "backends", "managed", "rollouts", "rollout"]

    /// The client throws ``KubeError`` for every answer; anything else is a transport failure.
    static func failure(_ error: any Error) -> KubeError {
        error as? KubeError ?? .transport("\(error)")
    }
}
