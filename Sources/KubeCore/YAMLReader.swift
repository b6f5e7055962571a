import Yams

/// Reads YAML (one or many `---`-separated documents) into ``JSONValue`` the way kubectl does:
/// YAML 1.1 scalars resolved to JSON types, key order kept, duplicate keys and non-string keys rejected.
public enum YAMLReader {
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        /// 1-based line of the problem in the stream; nil when it has no position (an empty stream).
        public let line: Int?
        /// 1-based column (in Unicode scalars, as libyaml counts); nil when unknown.
        public let column: Int?
        public let reason: String

        public init(line: Int?, column: Int? = nil, reason: String) {
            self.line = line
            self.column = column
            self.reason = reason
        }

        public var description: String {
            switch (line, column) {
            case let (line?, column?): "invalid YAML at line \(line), column \(column): \(reason)"
            case let (line?, nil): "invalid YAML at line \(line): \(reason)"
            default: "invalid YAML: \(reason)"
            }
        }

        /// `file:line:column: invalid YAML: reason`, the position as compilers and linters print it (what the CLI
        /// shows); without a position `file: invalid YAML: reason`.
        public func located(in file: String) -> String {
            let position = line.map { ":\($0)" + (column.map { ":\($0)" } ?? "") } ?? ""
            return "\(file)\(position): invalid YAML: \(reason)"
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
                let position = duplicatePosition(of: key, first: context.mark, in: text)
                return Error(line: position.line, column: position.column, reason: "duplicate key \"\(key)\"")
            }
            switch yamlError {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                 .composer(let context, let problem, let mark, _):
                return Error(line: mark.line, column: mark.column, reason: reason(problem, context))
            case .reader(let problem, let offset, _, _):
                let position = offset.map { lineAndColumn(ofUTF8Offset: $0, in: text) }
                return Error(line: position?.line, column: position?.column, reason: problem)
            default:
                return Error(line: nil, reason: "\(yamlError)".replacingOccurrences(of: "\n", with: " "))
            }
        }
        return Error(line: nil, reason: "\(error)")
    }

    /// libyaml's problem, then where the construct it was reading began: "did not find expected ',' or ']'
    /// (while parsing a flow sequence from line 2, column 10)".
    private static func reason(_ problem: String, _ context: YamlError.Context?) -> String {
        guard let context else { return problem }
        return "\(problem) (\(context.text) from line \(context.mark.line), column \(context.mark.column))"
    }

    /// The 1-based line and column (in Unicode scalars) of a UTF-8 byte offset.
    private static func lineAndColumn(ofUTF8Offset offset: Int, in text: String) -> (line: Int, column: Int) {
        let utf8 = text.utf8
        let end = utf8.index(utf8.startIndex, offsetBy: min(max(offset, 0), utf8.count))
        let before = text.unicodeScalars[..<end]
        let lineStart = before.lastIndex(of: "\n").map { before.index(after: $0) } ?? before.startIndex
        return (before.filter { $0 == "\n" }.count + 1, before.distance(from: lineStart, to: before.endIndex) + 1)
    }

    /// Yams reports the first occurrence of a duplicated key; in block mappings the duplicate is the next
    /// line at the same indentation starting with that key. Falls back to the first occurrence's position.
    private static func duplicatePosition(of key: String, first: Mark, in text: String) -> (line: Int, column: Int) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let indent = first.column - 1
        let starts = [key + ":", "\"" + key + "\":", "'" + key + "':"]
        var n = first.line  // 0-based index of the line after the first occurrence
        while n < lines.count {
            let line = lines[n]
            let content = line.drop(while: { $0 == " " })
            let spaces = line.count - content.count
            if spaces < indent, !content.isEmpty, !content.hasPrefix("#") { break }  // left the mapping
            if spaces == indent, starts.contains(where: { content.hasPrefix($0) }) { return (n + 1, first.column) }
            n += 1
        }
        return (first.line, first.column)
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
                    throw Error(line: keyNode.mark?.line, column: keyNode.mark?.column, reason: "mapping keys must be strings")
                }
                var key = keyScalar.string
                // As kubectl (YAML 1.1): a plain key like `on`, `yes` or `off` is a boolean, sent as "true"/"false".
                if keyScalar.style == .plain, Resolver.default.resolveTag(of: keyNode) == .bool,
                   case .bool(let flag) = try convert(keyScalar, tag: .bool) {
                    key = flag ? "true" : "false"
                }
                if key == "<<", Resolver.default.resolveTag(of: keyNode) == .merge {
                    throw Error(line: keyNode.mark?.line, column: keyNode.mark?.column, reason: "merge keys (<<) are not supported")
                }
                if object[key] != nil {
                    throw Error(line: keyNode.mark?.line, column: keyNode.mark?.column, reason: "duplicate key \"\(key)\"")
                }
                object[key] = try convert(valueNode)
            }
            return .object(object)
        case .alias:
            throw Error(line: node.mark?.line, column: node.mark?.column, reason: "unresolved alias")
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
                throw Error(line: scalar.mark?.line, column: scalar.mark?.column, reason: "\(text) is not a finite number")
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
