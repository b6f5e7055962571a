import Foundation
import KubeCore

/// RFC 6902 JSON patch (`application/json-patch+json`): add, remove, replace, move, copy, test.
enum JSONPatch {
    static func apply(_ patch: JSONValue, to target: JSONValue) throws(APIError) -> JSONValue {
        guard let operations = patch.arrayValue else { throw .badRequest("json patch must be an array of operations") }
        var doc = target
        for (n, op) in operations.enumerated() {
            guard let name = op["op"]?.stringValue, let path = op["path"]?.stringValue else {
                throw .badRequest("json patch operation \(n) needs \"op\" and \"path\"")
            }
            let pointer = try parse(path)
            switch name {
            case "add": try set(&doc, pointer, try value(op, n), insert: true)
            case "replace":
                guard get(doc, pointer) != nil else { throw .invalidPatch("replace operation does not apply: doc is missing key: \(path)") }
                try set(&doc, pointer, try value(op, n), insert: false)
            case "remove":
                guard get(doc, pointer) != nil else { throw .invalidPatch("remove operation does not apply: doc is missing path: \(path)") }
                try remove(&doc, pointer)
            case "move", "copy":
                guard let from = op["from"]?.stringValue, let v = get(doc, try parse(from)) else {
                    throw .invalidPatch("\(name) operation does not apply: doc is missing from path")
                }
                if name == "move" { try remove(&doc, try parse(from)) }
                try set(&doc, pointer, v, insert: true)
            case "test":
                guard get(doc, pointer) == (try value(op, n)) else { throw .invalidPatch("testing value \(path) failed: test failed") }
            default: throw .invalidPatch("Unexpected kind: \(name)")
            }
        }
        return doc
    }

    private static func value(_ op: JSONValue, _ n: Int) throws(APIError) -> JSONValue {
        guard let v = op["value"] else { throw .badRequest("json patch operation \(n) needs \"value\"") }
        return v
    }

    private static func parse(_ path: String) throws(APIError) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw .badRequest("json patch path \"\(path)\" must start with /") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func get(_ doc: JSONValue, _ pointer: [String]) -> JSONValue? {
        var current: JSONValue? = doc
        for token in pointer {
            switch current {
            case .object(let o)?: current = o[token]
            case .array(let a)?: current = Int(token).flatMap { $0 >= 0 && $0 < a.count ? a[$0] : nil }
            default: return nil
            }
        }
        return current
    }

    private static func set(_ doc: inout JSONValue, _ pointer: [String], _ value: JSONValue, insert: Bool) throws(APIError) {
        guard let token = pointer.first else {
            doc = value
            return
        }
        let rest = Array(pointer.dropFirst())
        switch doc {
        case .object(var o):
            if rest.isEmpty {
                o[token] = value
            } else {
                guard var child = o[token] else { throw .invalidPatch("add operation does not apply: doc is missing path: /\(pointer.joined(separator: "/"))") }
                try set(&child, rest, value, insert: insert)
                o[token] = child
            }
            doc = .object(o)
        case .array(var a):
            let index = token == "-" ? a.count : Int(token) ?? -1
            guard index >= 0, index <= a.count, rest.isEmpty ? true : index < a.count else {
                throw .invalidPatch("add operation does not apply: index \(token) out of bounds")
            }
            if rest.isEmpty {
                if insert { a.insert(value, at: index) } else if index < a.count { a[index] = value }
            } else {
                try set(&a[index], rest, value, insert: insert)
            }
            doc = .array(a)
        default:
            throw .invalidPatch("add operation does not apply: path /\(pointer.joined(separator: "/")) is not a container")
        }
    }

    private static func remove(_ doc: inout JSONValue, _ pointer: [String]) throws(APIError) {
        guard let token = pointer.first else { return }
        let rest = Array(pointer.dropFirst())
        switch doc {
        case .object(var o):
            if rest.isEmpty { o[token] = nil } else if var child = o[token] {
                try remove(&child, rest)
                o[token] = child
            }
            doc = .object(o)
        case .array(var a):
            guard let i = Int(token), i >= 0, i < a.count else { throw .invalidPatch("remove operation does not apply: index \(token) out of bounds") }
            if rest.isEmpty { a.remove(at: i) } else { try remove(&a[i], rest) }
            doc = .array(a)
        default: break
        }
    }
}

extension APIError {
    /// 422 for a patch that cannot be applied (kube-apiserver: `the server rejected our request due to an error in our request`).
    static func invalidPatch(_ why: String) -> APIError {
        APIError(code: 422, reason: "Invalid", message: why)
    }
}
