import KubeCore

/// Strategic merge patch (`application/strategic-merge-patch+json`) for built-in resources: a JSON merge patch in
/// which lists of objects carrying `name` merge by name, `$patch: delete`/`replace` directives apply to list
/// elements and maps, and `$setElementOrder/…`, `$retainKeys` and `$deleteFromPrimitiveList/…` are honoured.
enum StrategicMergePatch {
    static func apply(_ patch: JSONValue, to target: JSONValue) throws(APIError) -> JSONValue {
        guard case .object(let p) = patch else { throw .badRequest("strategic merge patch must be a JSON object") }
        if p["$patch"]?.stringValue == "replace" {
            var replaced = p
            replaced["$patch"] = nil
            return .object(replaced)
        }
        if p["$patch"]?.stringValue == "delete" { return .null }
        var result = target.objectValue ?? JSONObject()
        if let retain = p["$retainKeys"]?.arrayValue?.compactMap(\.stringValue) {
            for key in result.keys where !retain.contains(key) { result[key] = nil }
        }
        for (key, value) in p {
            if key == "$retainKeys" || key == "$patch" || key.hasPrefix("$setElementOrder/") { continue }
            if key.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(key.dropFirst("$deleteFromPrimitiveList/".count))
                let drop = value.arrayValue ?? []
                if let items = result[field]?.arrayValue { result[field] = .array(items.filter { !drop.contains($0) }) }
                continue
            }
            if value.isNull {
                result[key] = nil
                continue
            }
            switch (value, result[key]) {
            case (.object, let existing):
                let merged = try apply(value, to: existing ?? .null)
                result[key] = merged.isNull ? nil : merged
            case (.array(let items), .array(let existing)?) where FieldSet.keyFields(items.filter { $0["$patch"] == nil }) != nil
                || items.contains(where: { $0["$patch"] != nil && $0["name"] != nil }):
                result[key] = .array(try mergeList(items, into: existing))
            default:
                result[key] = stripDirectives(value)
            }
        }
        return .object(result)
    }

    private static func mergeList(_ patch: [JSONValue], into existing: [JSONValue]) throws(APIError) -> [JSONValue] {
        var out = existing
        for item in patch {
            guard let name = item["name"] else { continue }
            let index = out.firstIndex { $0["name"] == name }
            if item["$patch"]?.stringValue == "delete" {
                if let index { out.remove(at: index) }
            } else if let index {
                out[index] = try apply(item, to: out[index])
            } else {
                out.append(stripDirectives(item))
            }
        }
        return out
    }

    private static func stripDirectives(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(var o):
            for key in o.keys where key.hasPrefix("$") { o[key] = nil }
            for key in o.keys { o[key] = stripDirectives(o[key]!) }
            return .object(o)
        case .array(let a): return .array(a.map(stripDirectives))
        default: return value
        }
    }
}
