import KubeCore

/// A set of field paths in structured-merge-diff's `FieldsV1` vocabulary: `f:name` for a member, `k:{"name":"x"}`
/// for a list element by key, `.` for a node itself. Paths are leaf paths; `fieldsV1` is their nested form.
struct FieldSet: Sendable, Hashable {
    typealias Path = [String]
    var paths: Set<Path> = []

    init(_ paths: Set<Path> = []) { self.paths = paths }

    /// How a resource's lists are merged and owned, as structured-merge-diff decides it.
    enum Lists: Sendable {
        /// Built-ins: a list of objects that all carry a `name` is keyed by it (their strategic-merge key, nearly
        /// always); other lists are atomic.
        case byName
        /// Custom resources: the CRD schema decides. `x-kubernetes-list-type: map` is keyed by its
        /// `x-kubernetes-list-map-keys`; every other list (`atomic`, `set`, or no list type) is atomic, as
        /// kube-apiserver treats a CRD list without a list type.
        case bySchema(JSONSchema?)

        static func of(_ type: ResourceType) -> Lists { type.isCustom ? .bySchema(type.schema) : .byName }

        func child(_ key: String) -> Lists {
            guard case .bySchema(let s) = self else { return self }
            return .bySchema(s?.properties[key] ?? s?.mapValues)
        }

        var items: Lists {
            guard case .bySchema(let s) = self else { return self }
            return .bySchema(s?.items)
        }

        /// The key fields of a list, or nil when it is atomic.
        func keys(_ items: [JSONValue]) -> [String]? {
            switch self {
            case .byName: return FieldSet.keyFields(items)
            case .bySchema(let s):
                guard s?.listType == "map", let keys = s?.listMapKeys, !keys.isEmpty else { return nil }
                return keys
            }
        }
    }

    /// The fields an object sets. Lists are keyed or atomic as `lists` says. `metadata` contributes labels,
    /// annotations, finalizers, ownerReferences.
    init(of object: JSONValue, includeStatus: Bool, statusOnly: Bool = false, lists: Lists = .byName) {
        var out: Set<Path> = []
        for (key, value) in object.objectValue ?? JSONObject() {
            switch key {
            case "apiVersion", "kind": continue
            case "metadata":
                for m in ["labels", "annotations"] {
                    for (k, _) in value[m]?.objectValue ?? JSONObject() { out.insert(["f:metadata", "f:\(m)", "f:\(k)"]) }
                }
                for m in ["finalizers", "ownerReferences"] where value[m] != nil { out.insert(["f:metadata", "f:\(m)"]) }
            case "status":
                if includeStatus || statusOnly { Self.collect(value, ["f:status"], lists.child("status"), &out) }
            default:
                if !statusOnly { Self.collect(value, ["f:\(key)"], lists.child(key), &out) }
            }
        }
        paths = out
    }

    static func keyFields(_ items: [JSONValue]) -> [String]? {
        guard !items.isEmpty, items.allSatisfy({ $0["name"]?.stringValue != nil }) else { return nil }
        return ["name"]
    }

    static func elementKey(_ item: JSONValue, _ fields: [String]) -> String {
        var o = JSONObject()
        for f in fields { o[f] = item[f] }
        return "k:" + JSONWriter.string(.object(o))
    }

    private static func collect(_ value: JSONValue, _ path: Path, _ lists: Lists, _ out: inout Set<Path>) {
        switch value {
        case .object(let o) where !o.isEmpty:
            for (k, v) in o { collect(v, path + ["f:\(k)"], lists.child(k), &out) }
        case .array(let items):
            guard let keys = lists.keys(items) else {
                out.insert(path)
                return
            }
            for item in items {
                let p = path + [elementKey(item, keys)]
                out.insert(p + ["."])
                for (k, v) in item.objectValue ?? JSONObject() { collect(v, p + ["f:\(k)"], lists.items.child(k), &out) }
            }
        default:
            out.insert(path)
        }
    }

    /// The value at a path, or nil.
    static func value(at path: Path, in object: JSONValue) -> JSONValue? {
        var current: JSONValue? = object
        for element in path {
            guard let c = current else { return nil }
            if element == "." { continue }
            if element.hasPrefix("f:") {
                current = c[String(element.dropFirst(2))]
            } else if element.hasPrefix("k:"), let items = c.arrayValue,
                      let key = try? JSONParser.parse(String(element.dropFirst(2))) {
                current = items.first { item in (key.objectValue ?? JSONObject()).allSatisfy { item[$0.key] == $0.value } }
            } else {
                return nil
            }
        }
        return current
    }

    /// Removes the field at a path from an object (list elements by key).
    static func remove(_ path: Path, from object: inout JSONValue) {
        guard let first = path.first else { return }
        if first == "." { return }
        if first.hasPrefix("f:") {
            let name = String(first.dropFirst(2))
            if path.count == 1 || (path.count == 2 && path[1] == ".") {
                object[name] = nil
            } else if var child = object[name] {
                remove(Array(path.dropFirst()), from: &child)
                object[name] = child
            }
        } else if first.hasPrefix("k:"), case .array(var items) = object,
                  let key = try? JSONParser.parse(String(first.dropFirst(2))) {
            guard let i = items.firstIndex(where: { item in (key.objectValue ?? JSONObject()).allSatisfy { item[$0.key] == $0.value } })
            else { return }
            if path.count == 2 && path[1] == "." {
                items.remove(at: i)
            } else {
                remove(Array(path.dropFirst()), from: &items[i])
            }
            object = .array(items)
        }
    }

    /// The nested `fieldsV1` form.
    var fieldsV1: JSONValue {
        var root = JSONValue.object(JSONObject())
        for path in paths.sorted(by: { $0.joined(separator: "\u{0}") < $1.joined(separator: "\u{0}") }) {
            Self.insert(path[...], into: &root)
        }
        return root
    }

    private static func insert(_ path: ArraySlice<String>, into node: inout JSONValue) {
        guard let first = path.first else { return }
        var child = node[first] ?? .object(JSONObject())
        insert(path.dropFirst(), into: &child)
        node[first] = child
    }

    /// Reads the nested `fieldsV1` form back into leaf paths.
    init(fieldsV1: JSONValue) {
        var out: Set<Path> = []
        func walk(_ node: JSONValue, _ path: Path) {
            let o = node.objectValue ?? JSONObject()
            if o.isEmpty {
                if !path.isEmpty { out.insert(path) }
                return
            }
            for (k, v) in o { walk(v, path + [k]) }
        }
        walk(fieldsV1, [])
        paths = out
    }

    /// `.spec.model`, `.spec.backends[name="a"].weight` — how kube-apiserver names a field in conflicts.
    static func describe(_ path: Path) -> String {
        var out = ""
        for element in path where element != "." {
            if element.hasPrefix("f:") {
                out += "." + element.dropFirst(2)
            } else if element.hasPrefix("k:"), let key = try? JSONParser.parse(String(element.dropFirst(2))) {
                out += "[" + (key.objectValue ?? JSONObject()).map { "\($0.key)=\(JSONWriter.string($0.value))" }.joined(separator: ",") + "]"
            }
        }
        return out
    }
}
