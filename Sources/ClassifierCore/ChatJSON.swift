/// A JSON value for request bodies that must be rewritten without disturbing what we do not touch:
/// object members keep their order and numbers keep their exact source text (`0.7` stays `0.7`, big
/// integers stay exact), so a rewritten body differs from the original only where we changed it.
enum ChatJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number exactly as written in the source.
    case number(String)
    case string(String)
    case array([ChatJSON])
    case object([(String, ChatJSON)])

    static func == (lhs: ChatJSON, rhs: ChatJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    subscript(key: String) -> ChatJSON? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.0 == key })?.1
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var arrayValue: [ChatJSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// Sets `key` in an object: replaces the existing member in place, or appends it.
    mutating func set(_ key: String, _ value: ChatJSON) {
        guard case .object(var members) = self else { return }
        if let index = members.lastIndex(where: { $0.0 == key }) {
            members[index].1 = value
        } else {
            members.append((key, value))
        }
        self = .object(members)
    }
}
