import Foundation

/// A Kubernetes label selector: the string form of `?labelSelector=` (`app=web,tier!=db,env in (a,b),!legacy`)
/// and `metav1.LabelSelector` (`matchLabels` + `matchExpressions`). An empty selector matches everything.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    public enum Requirement: Sendable, Hashable, CustomStringConvertible {
        case equals(String, String)
        case notEquals(String, String)
        case `in`(String, [String])
        case notIn(String, [String])
        case exists(String)
        case doesNotExist(String)

        public func matches(_ labels: [String: String]) -> Bool {
            switch self {
            case .equals(let k, let v): labels[k] == v
            case .notEquals(let k, let v): labels[k] != v
            case .in(let k, let vs): labels[k].map(vs.contains) ?? false
            case .notIn(let k, let vs): labels[k].map { !vs.contains($0) } ?? true
            case .exists(let k): labels[k] != nil
            case .doesNotExist(let k): labels[k] == nil
            }
        }

        public var description: String {
            switch self {
            case .equals(let k, let v): "\(k)=\(v)"
            case .notEquals(let k, let v): "\(k)!=\(v)"
            case .in(let k, let vs): "\(k) in (\(vs.sorted().joined(separator: ",")))"
            case .notIn(let k, let vs): "\(k) notin (\(vs.sorted().joined(separator: ",")))"
            case .exists(let k): k
            case .doesNotExist(let k): "!\(k)"
            }
        }
    }

    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var selector: String
        public var reason: String
        public var description: String { "unable to parse requirement: \(reason) (in selector \"\(selector)\")" }
    }

    public var requirements: [Requirement]

    public init(_ requirements: [Requirement] = []) { self.requirements = requirements }

    /// Every label must be equal (`matchLabels`).
    public init(matchLabels: [String: String]) {
        requirements = matchLabels.keys.sorted().map { .equals($0, matchLabels[$0]!) }
    }

    public var isEmpty: Bool { requirements.isEmpty }

    public func matches(_ labels: [String: String]) -> Bool { requirements.allSatisfy { $0.matches(labels) } }

    /// The string form, as sent in `?labelSelector=`.
    public var description: String { requirements.map(\.description).joined(separator: ",") }

    /// Parses the string form. Whitespace around tokens is ignored; commas inside `( )` separate values.
    public init(parsing text: String) throws {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for ch in text {
            if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 }
            if ch == "," && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        parts.append(current)
        var requirements: [Requirement] = []
        for raw in parts {
            let part = raw.trimmingSpaces
            if part.isEmpty {
                if parts.count == 1 { break }
                throw ParseError(selector: text, reason: "empty requirement")
            }
            requirements.append(try Self.requirement(part, in: text))
        }
        self.requirements = requirements
    }

    private static func requirement(_ part: String, in text: String) throws -> Requirement {
        func fail(_ why: String) -> ParseError { ParseError(selector: text, reason: why) }
        func key(_ s: Substring) throws -> String {
            let k = String(s).trimmingSpaces
            guard !k.isEmpty, k.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) }) else {
                throw fail("invalid label key \"\(k)\"")
            }
            return k
        }
        func values(_ s: Substring) throws -> [String] {
            let t = String(s).trimmingSpaces
            guard t.hasPrefix("("), t.hasSuffix(")") else { throw fail("expected a parenthesised value list in \"\(part)\"") }
            return t.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
                .map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        }
        if part.hasPrefix("!") { return .doesNotExist(try key(part.dropFirst())) }
        if let r = part.range(of: "!=") {
            return .notEquals(try key(part[..<r.lowerBound]), String(part[r.upperBound...]).trimmingSpaces)
        }
        if let r = part.range(of: "==") {
            return .equals(try key(part[..<r.lowerBound]), String(part[r.upperBound...]).trimmingSpaces)
        }
        if let r = part.range(of: "=") {
            return .equals(try key(part[..<r.lowerBound]), String(part[r.upperBound...]).trimmingSpaces)
        }
        if let r = part.range(of: " notin ") {
            return .notIn(try key(part[..<r.lowerBound]), try values(part[r.upperBound...]))
        }
        if let r = part.range(of: " in ") {
            return .in(try key(part[..<r.lowerBound]), try values(part[r.upperBound...]))
        }
        if part.contains(" ") || part.contains("(") { throw fail("unknown operator in \"\(part)\"") }
        return .exists(try key(Substring(part)))
    }

    /// `metav1.LabelSelector` JSON (`matchLabels`, `matchExpressions` with In/NotIn/Exists/DoesNotExist).
    public init(json: JSONValue) throws {
        var requirements: [Requirement] = []
        for (k, v) in json["matchLabels"]?.objectValue ?? JSONObject() {
            guard let s = v.stringValue else { throw ParseError(selector: "matchLabels", reason: "value of \(k) is not a string") }
            requirements.append(.equals(k, s))
        }
        for e in json["matchExpressions"]?.arrayValue ?? [] {
            guard let k = e["key"]?.stringValue, let op = e["operator"]?.stringValue else {
                throw ParseError(selector: "matchExpressions", reason: "key and operator are required")
            }
            let vs = e["values"]?.arrayValue?.compactMap(\.stringValue) ?? []
            switch op {
            case "In": requirements.append(.in(k, vs))
            case "NotIn": requirements.append(.notIn(k, vs))
            case "Exists": requirements.append(.exists(k))
            case "DoesNotExist": requirements.append(.doesNotExist(k))
            default: throw ParseError(selector: "matchExpressions", reason: "unknown operator \"\(op)\"")
            }
        }
        self.requirements = requirements
    }
}

fileprivate extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
