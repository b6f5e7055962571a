import KubeClient
import KubeCore
import Logging

// Small object builders the Kube* test targets share.

/// The logger tests hand to the code under test (no handler is bootstrapped: swift-log's default prints to stderr).
public let testLogger = Logger(label: "test")

/// A ConfigMap as a client would send it: `metadata` (name, namespace, sorted labels) and sorted `data`.
public func configMap(_ name: String, namespace: String = "default", labels: [String: String] = [:],
                      data: [String: String] = [:]) -> JSONValue {
    var meta = JSONObject([("name", .string(name)), ("namespace", .string(namespace))])
    if !labels.isEmpty {
        meta["labels"] = .object(JSONObject(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
    }
    return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(meta),
            "data": .object(JSONObject(data.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))]
}

/// A ConfigMap as a server would return it (resourceVersion, uid `uid-<name>`, optional generation, labels and
/// owner references), for scripted list/watch sources and stores.
public func object(_ name: String, rv: Int, namespace: String? = "ns", generation: Int? = nil,
                   labels: [String: String] = [:],
                   owners: [(kind: String, name: String, uid: String)] = []) -> JSONValue {
    var meta = JSONObject([("name", .string(name)), ("resourceVersion", .string(String(rv)))])
    if let namespace { meta["namespace"] = .string(namespace) }
    if let generation { meta["generation"] = JSONValue(generation) }
    if !labels.isEmpty {
        meta["labels"] = .object(JSONObject(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
    }
    meta["uid"] = .string("uid-\(name)")
    if !owners.isEmpty {
        meta["ownerReferences"] = .array(owners.map {
            ["apiVersion": "semroute.io/v1alpha1", "kind": .string($0.kind), "name": .string($0.name), "uid": .string($0.uid)]
        })
    }
    return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(meta)]
}

public func event(_ type: WatchEvent.EventType, _ object: JSONValue) -> WatchEvent { WatchEvent(type: type, object: object) }

public func bookmark(rv: Int) -> WatchEvent {
    WatchEvent(type: .bookmark, object: ["kind": "ConfigMap", "metadata": ["resourceVersion": .string(String(rv))]])
}

/// The names of `items`, in order.
public func names(_ items: [JSONValue]) -> [String] { items.compactMap { $0[path: "metadata", "name"]?.stringValue } }

/// Name and resourceVersion of every object, for comparing a cache with the server.
public func versions(_ items: [JSONValue]) -> [String: String] {
    Dictionary(uniqueKeysWithValues: items.map {
        ($0[path: "metadata", "name"]?.stringValue ?? "", $0[path: "metadata", "resourceVersion"]?.stringValue ?? "")
    })
}
