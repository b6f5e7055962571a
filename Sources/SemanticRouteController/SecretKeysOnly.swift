import KubeClient
import KubeCore
import KubeRuntime

/// A list/watch of Secrets that keeps only their keys: values are blanked before anything stores them, so
/// the operator's memory never holds credentials (reference resolution needs only the keys).
struct SecretKeysOnly<Base: ListWatchSource>: ListWatchSource {
    let base: Base

    func list() async throws -> ObjectList {
        var list = try await base.list()
        list.items = list.items.map(Self.redacted)
        return list
    }

    func watch(resourceVersion: String) async throws -> AsyncMapSequence<Base.Events, WatchEvent> {
        try await base.watch(resourceVersion: resourceVersion).map { event in
            WatchEvent(type: event.type, object: Self.redacted(event.object))
        }
    }

    static func redacted(_ secret: JSONValue) -> JSONValue {
        guard case .object(var object) = secret else { return secret }
        for field in ["data", "stringData"] {
            if let values = object[field]?.objectValue {
                object[field] = .object(JSONObject(values.keys.map { ($0, JSONValue.string("")) }))
            }
        }
        if case .object(var meta)? = object["metadata"] {
            // kubectl's last-applied annotation can hold the values too.
            if case .object(var annotations)? = meta["annotations"] {
                annotations["kubectl.kubernetes.io/last-applied-configuration"] = nil
                meta["annotations"] = .object(annotations)
            }
            meta["managedFields"] = nil
            object["metadata"] = .object(meta)
        }
        return .object(object)
    }
}
