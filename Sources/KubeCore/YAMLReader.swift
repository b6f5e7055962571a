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
            throw Self.wrap(error)
        }
        var values: [JSONValue] = []
        while let node = sequence.next() {
            let value = try convert(node)
            if !value.isNull { values.append(value) }
        }
        if let error = sequence.error { throw Self.wrap(error) }
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

    private static func wrap(_ error: Swift.Error) -> Error {
        if let yamlError = error as? YamlError {
            return Error(line: nil, reason: "\(yamlError)".replacingOccurrences(of: "\n", with: " "))
        }
        return Error(line: nil, reason: "\(error)")
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
                let key = keyScalar.string
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
        case .bool: return .bool(["yes", "true", "on"].contains(text.lowercased()))
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
        var sign: Int64 = 1
        if body.first == "-" { sign = -1; body = body.dropFirst() } else if body.first == "+" { body = body.dropFirst() }
        let value: Int64?
        if body.hasPrefix("0x") { value = Int64(body.dropFirst(2), radix: 16) }
        else if body.hasPrefix("0o") { value = Int64(body.dropFirst(2), radix: 8) }
        else if body.hasPrefix("0b") { value = Int64(body.dropFirst(2), radix: 2) }
        else if body.count > 1, body.hasPrefix("0") { value = Int64(body.dropFirst(), radix: 8) }
        else { value = Int64(body) }
        return value.map { $0 * sign }
    }
}
