import KubeCore

/// The no-op detector: whether a live object already holds every field of a sparse desired object with an
/// equal value. Objects compare key by key (the live object may have more: defaults, other managers' fields,
/// status); arrays must have the same length and match element by element — by `name` when every desired
/// element has a distinct one (associative lists such as containers and ports), by position otherwise.
/// Numbers compare by value (`1` equals `1.0`).
enum FieldSubset {
    static func contains(_ live: JSONValue?, _ desired: JSONValue) -> Bool {
        switch desired {
        case .null:
            return live == nil || live == .null
        case .object(let want):
            guard case .object(let have)? = live else { return false }
            return want.allSatisfy { key, value in contains(have[key], value) }
        case .array(let want):
            guard case .array(let have)? = live, have.count == want.count else { return false }
            if let names = distinctNames(want) {
                var byName: [String: JSONValue] = [:]
                for element in have {
                    if let name = element["name"]?.stringValue { byName[name] = element }
                }
                return zip(names, want).allSatisfy { name, element in contains(byName[name], element) }
            }
            return zip(have, want).allSatisfy { contains($0, $1) }
        case .int, .double:
            guard let live, let a = number(live), let b = number(desired) else { return false }
            return a == b
        case .bool, .string:
            return live == desired
        }
    }

    static func distinctNames(_ elements: [JSONValue]) -> [String]? {
        let names = elements.compactMap { $0["name"]?.stringValue }
        guard !names.isEmpty, names.count == elements.count, Set(names).count == names.count else { return nil }
        return names
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
}
