import KubeCore

/// RFC 7386 JSON merge patch (`application/merge-patch+json`): objects merge, `null` deletes, anything else replaces.
enum JSONMergePatch {
    static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        var result = target.objectValue ?? JSONObject()
        for (key, value) in p {
            if value.isNull {
                result[key] = nil
            } else {
                result[key] = apply(value, to: result[key] ?? .null)
            }
        }
        return .object(result)
    }
}
