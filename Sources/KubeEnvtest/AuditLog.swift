import Foundation
import KubeCore

/// kube-apiserver's audit log (JSON lines at level Metadata): what the real server saw, independent of what
/// any client believes it sent. A ``Mark`` taken before a step and ``entries(since:)`` after it give the
/// requests of that step.
public struct AuditLog: Sendable {
    public let path: String

    /// One request as the server recorded it.
    public struct Entry: Sendable, Hashable, CustomStringConvertible {
        public var user: String
        public var userAgent: String
        public var verb: String
        public var apiGroup: String
        public var resource: String
        public var subresource: String?
        public var namespace: String?
        public var name: String?
        public var code: Int
        public var requestURI: String

        /// Writes: create, update, patch, delete, deletecollection.
        public var isWrite: Bool { ["create", "update", "patch", "delete", "deletecollection"].contains(verb) }

        /// `verb resource[/subresource] namespace/name`, the shape test assertions compare.
        public var description: String {
            "\(verb) \(resource)\(subresource.map { "/\($0)" } ?? "") \(namespace ?? "")/\(name ?? "")"
        }
    }

    /// A byte offset in the log: entries after it happened after the mark was taken.
    public struct Mark: Sendable {
        public let offset: Int
        public init(offset: Int) { self.offset = offset }
    }

    public init(path: String) { self.path = path }

    public func mark() -> Mark {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        return Mark(offset: size)
    }

    /// Every entry after `mark` (from the start when nil); only that part of the file is read.
    public func entries(since mark: Mark? = nil) -> [Entry] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: UInt64(mark?.offset ?? 0))) != nil,
              let data = try? handle.readToEnd() else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard let event = try? JSONParser.parse(Array(line)) else { return nil }
            return Self.entry(event)
        }
    }

    static func entry(_ event: JSONValue) -> Entry? {
        guard let verb = event["verb"]?.stringValue, let ref = event["objectRef"] else { return nil }
        return Entry(user: event[path: "user", "username"]?.stringValue ?? "",
                     userAgent: event["userAgent"]?.stringValue ?? "", verb: verb,
                     apiGroup: ref["apiGroup"]?.stringValue ?? "", resource: ref["resource"]?.stringValue ?? "",
                     subresource: ref["subresource"]?.stringValue, namespace: ref["namespace"]?.stringValue,
                     name: ref["name"]?.stringValue, code: Int(event[path: "responseStatus", "code"]?.intValue ?? 0),
                     requestURI: event["requestURI"]?.stringValue ?? "")
    }

    /// Requests per verb (`get`, `list`, `watch`, `create`, `patch`, ...), for benchmark reports.
    public static func countByVerb(_ entries: [Entry]) -> [String: Int] {
        entries.reduce(into: [:]) { $0[$1.verb, default: 0] += 1 }
    }
}
