/// `metav1.LabelSelector` (matchLabels + matchExpressions), its query-string form (`app=x,tier in (a,b),!old`),
/// and matching against an object's labels with kube-apiserver's semantics.
public struct LabelSelector: Sendable, Hashable, Codable, CustomStringConvertible {
    public struct Requirement: Sendable, Hashable, Codable {
        public enum Operator: String, Sendable, Hashable, Codable {
            case `in` = "In"
            case notIn = "NotIn"
            case exists = "Exists"
            case doesNotExist = "DoesNotExist"
            /// Only in the query-string form (`replicas>2`); the value is an integer.
            case greaterThan = "Gt"
            case lessThan = "Lt"
        }

        public var key: String
        public var `operator`: Operator
        public var values: [String]?

        public init(key: String, operator: Operator, values: [String]? = nil) {
            self.key = key
            self.operator = `operator`
            self.values = values
        }

        public func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch self.operator {
            case .in: return value.map { (values ?? []).contains($0) } ?? false
            case .notIn: return value.map { !(values ?? []).contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            case .greaterThan, .lessThan:
                guard let value, let have = Int64(value), let bound = values?.first.flatMap({ Int64($0) }) else {
                    return false
                }
                return self.operator == .greaterThan ? have > bound : have < bound
            }
        }

        /// The query-string form of this requirement.
        public var description: String {
            let vs = values ?? []
            switch self.operator {
            case .in: return vs.count == 1 ? "\(key)=\(vs[0])" : "\(key) in (\(vs.joined(separator: ",")))"
            case .notIn: return vs.count == 1 ? "\(key)!=\(vs[0])" : "\(key) notin (\(vs.joined(separator: ",")))"
            case .exists: return key
            case .doesNotExist: return "!\(key)"
            case .greaterThan: return "\(key)>\(vs.first ?? "")"
            case .lessThan: return "\(key)<\(vs.first ?? "")"
            }
        }
    }

    public var matchLabels: [String: String]?
    public var matchExpressions: [Requirement]?

    public init(matchLabels: [String: String]? = nil, matchExpressions: [Requirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// All requirements: matchLabels (sorted by key) as equality, then matchExpressions.
    public var requirements: [Requirement] {
        let labels = (matchLabels ?? [:]).sorted { $0.key < $1.key }
            .map { Requirement(key: $0.key, operator: .in, values: [$0.value]) }
        return labels + (matchExpressions ?? [])
    }

    /// An empty selector matches everything (as in list calls).
    public var isEmpty: Bool { requirements.isEmpty }

    public func matches(_ labels: [String: String]) -> Bool { requirements.allSatisfy { $0.matches(labels) } }

    /// The `labelSelector=` query-string form.
    public var description: String { requirements.map(\.description).joined(separator: ",") }
}

extension LabelSelector {
    /// A parse error in a label selector string, worded as kube-apiserver's.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var selector: String
        public var reason: String
        public var description: String { "unable to parse requirement: \(reason) in selector \"\(selector)\"" }
    }

    /// Parses the query-string form: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`,
    /// joined by commas (commas inside parentheses belong to the set).
    public init(parsing text: String) throws(ParseError) {
        var expressions: [Requirement] = []
        for raw in Self.splitTopLevel(text) {
            let part = raw.trimmingWhitespace()
            if part.isEmpty {
                if text.trimmingWhitespace().isEmpty { continue }
                throw ParseError(selector: text, reason: "empty requirement")
            }
            expressions.append(try Self.requirement(part, in: text))
        }
        self.init(matchLabels: nil, matchExpressions: expressions.isEmpty ? nil : expressions)
    }

    private static func splitTopLevel(_ text: String) -> [Substring] {
        var parts: [Substring] = []
        var depth = 0
        var start = text.startIndex
        for i in text.indices {
            switch text[i] {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                parts.append(text[start..<i])
                start = text.index(after: i)
            default: break
            }
        }
        parts.append(text[start...])
        return parts
    }

    private static func requirement(_ part: String, in text: String) throws(ParseError) -> Requirement {
        func fail(_ reason: String) -> ParseError { ParseError(selector: text, reason: reason) }
        func checkKey(_ key: String) throws(ParseError) -> String {
            let key = key.trimmingWhitespace()
            let allowed = key.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) }
            guard !key.isEmpty, allowed, key.count <= 317 else { throw fail("invalid label key \"\(key)\"") }
            return key
        }
        func checkValue(_ value: String) throws(ParseError) -> String {
            let value = value.trimmingWhitespace()
            let allowed = value.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }
            guard allowed, value.count <= 63 else { throw fail("invalid label value \"\(value)\"") }
            return value
        }
        if part.hasPrefix("!") {
            return Requirement(key: try checkKey(String(part.dropFirst())), operator: .doesNotExist)
        }
        for (token, op) in [("!=", Requirement.Operator.notIn), ("==", .in), ("=", .in), (">", .greaterThan),
                            ("<", .lessThan)] {
            if let range = part.range(of: token) {
                let key = try checkKey(String(part[..<range.lowerBound]))
                let value = try checkValue(String(part[range.upperBound...]))
                if op == .greaterThan || op == .lessThan, Int64(value) == nil {
                    throw fail("for 'Gt', 'Lt' operators, the value must be an integer")
                }
                return Requirement(key: key, operator: op, values: [value])
            }
        }
        let words = part.split(separator: " ", maxSplits: 1).map(String.init)
        if words.count == 2 {
            let rest = words[1].trimmingWhitespace()
            for (word, op) in [("notin", Requirement.Operator.notIn), ("in", .in)] where rest.hasPrefix(word) {
                let set = rest.dropFirst(word.count).trimmingWhitespace()
                guard set.hasPrefix("("), set.hasSuffix(")") else { throw fail("expected a set '(...)' after \(word)") }
                var values: [String] = []
                for v in set.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false) {
                    values.append(try checkValue(String(v)))
                }
                return Requirement(key: try checkKey(words[0]), operator: op, values: values)
            }
            throw fail("unknown operator in \"\(part)\"")
        }
        return Requirement(key: try checkKey(part), operator: .exists)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
