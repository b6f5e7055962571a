import Yams

/// Reads YAML (one or many `---`-separated documents) into ``JSONValue`` the way kubectl does:
/// YAML 1.1 scalars resolved to JSON types, key order kept, duplicate keys and non-string keys rejected.
public enum YAMLReader {
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let line: Int?
        public let reason: String
        public var description: String {
            if let line { "invalid YAML at line \(line): \(reason)" } else { "invalid YAML: \(reason)" }
        }
    }

    /// Every non-empty document in the stream, in order.
    public static func documents(_ text: String) throws -> [JSONValue] {
        var sequence: YamlSequence<Node>
        do {
            sequence = try Yams.compose_all(yaml: text)
        } catch {
            throw Self.wrap(error, text: text)
        }
        var values: [JSONValue] = []
        while let node = sequence.next() {
            let value = try convert(node)
            if !value.isNull { values.append(value) }
        }
        if let error = sequence.error { throw Self.wrap(error, text: text) }
        return values
    }

    /// Exactly one document; an empty stream is an error.
    public static func document(_ text: String) throws -> JSONValue {
        let docs = try documents(text)
        guard docs.count == 1 else {
            throw Error(line: nil, reason: docs.isEmpty ? "no document found" : "expected one document, found \(docs.count)")
        }
        return docs[0]
    }

    private static func wrap(_ error: Swift.Error, text: String) -> Error {
        if let yamlError = error as? YamlError {
            // Yams finds duplicate keys itself, before `convert` does; say which key and where, as `convert` would.
            if case .duplicatedKeysInMapping(let duplicates, let context) = yamlError, let key = duplicates.first {
                return Error(line: duplicateLine(of: key, first: context.mark, in: text), reason: "duplicate key \"\(key)\"")
            }
            return Error(line: nil, reason: "\(yamlError)".replacingOccurrences(of: "\n", with: " "))
        }
        return Error(line: nil, reason: "\(error)")
    }

    /// Yams reports the first occurrence of a duplicated key; in block mappings the duplicate is the next
    /// line at the same indentation starting with that key. Falls back to the first occurrence's line.
    private static func duplicateLine(of key: String, first: Mark, in text: String) -> Int {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let indent = first.column - 1
        let starts = [key + ":", "\"" + key + "\":", "'" + key + "':"]
        var n = first.line  // 0-based index of the line after the first occurrence
        while n < lines.count {
            let line = lines[n]
            let content = line.drop(while: { $0 == " " })
            let spaces = line.count - content.count
            if spaces < indent, !content.isEmpty, !content.hasPrefix("#") { break }  // left the mapping
            if spaces == indent, starts.contains(where: { content.hasPrefix($0) }) { return n + 1 }
            n += 1
        }
        return first.line
    }

    static func convert(_ node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            return try convert(scalar, tag: Resolver.default.resolveTag(of: node))
        case .sequence(let sequence):
            return .array(try sequence.map(convert))
        case .mapping(let mapping):
            var object = JSONObject()
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    throw Error(line: keyNode.mark.map { $0.line }, reason: "mapping keys must be strings")
                }
                var key = keyScalar.string
                // As kubectl (YAML 1.1): a plain key like `on`, `yes` or `off` is a boolean, sent as "true"/"false".
                if keyScalar.style == .plain, Resolver.default.resolveTag(of: keyNode) == .bool,
                   case .bool(let flag) = try convert(keyScalar, tag: .bool) {
                    key = flag ? "true" : "false"
                }
                if key == "<<", Resolver.default.resolveTag(of: keyNode) == .merge {
                    throw Error(line: keyNode.mark.map { $0.line }, reason: "merge keys (<<) are not supported")
                }
                if object[key] != nil {
                    throw Error(line: keyNode.mark.map { $0.line }, reason: "duplicate key \"\(key)\"")
                }
                object[key] = try convert(valueNode)
            }
            return .object(object)
        case .alias:
            throw Error(line: node.mark.map { $0.line }, reason: "unresolved alias")
        }
    }

    private static func convert(_ scalar: Node.Scalar, tag: Tag.Name) throws -> JSONValue {
        let text = scalar.string
        switch tag {
        case .null: return .null
        case .bool: return .bool(["yes", "true", "on", "y"].contains(text.lowercased()))
        case .int:
            if let value = parseInt(text) { return .int(value) }
            if let value = Double(text.replacingOccurrences(of: "_", with: "")) { return .double(value) }
            return .string(text)
        case .float:
            let cleaned = text.replacingOccurrences(of: "_", with: "")
            guard let value = Double(cleaned), value.isFinite else {
                throw Error(line: scalar.mark.map { $0.line }, reason: "\(text) is not a finite number")
            }
            return .double(value)
        default:
            return .string(text)
        }
    }

    private static func parseInt(_ text: String) -> Int64? {
        var body = Substring(text.replacingOccurrences(of: "_", with: ""))
        var negative = false
        if body.first == "-" { negative = true; body = body.dropFirst() } else if body.first == "+" { body = body.dropFirst() }
        // The magnitude is parsed unsigned so that -9223372036854775808 (Int64.min) fits.
        let magnitude: UInt64?
        if body.hasPrefix("0x") { magnitude = UInt64(body.dropFirst(2), radix: 16) }
        else if body.hasPrefix("0o") { magnitude = UInt64(body.dropFirst(2), radix: 8) }
        else if body.hasPrefix("0b") { magnitude = UInt64(body.dropFirst(2), radix: 2) }
        else if body.count > 1, body.hasPrefix("0") { magnitude = UInt64(body.dropFirst(), radix: 8) }
        else { magnitude = UInt64(body) }
        guard let magnitude else { return nil }
        if negative {
            return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }
}
