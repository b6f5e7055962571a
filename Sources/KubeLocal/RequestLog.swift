import Synchronization

/// Every request the server answered, so tests can assert what a client did ("no writes happened").
public final class RequestLog: Sendable {
    public struct Entry: Sendable, Hashable {
        /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`; for non-resource
        /// paths the lower-cased HTTP method.
        public var verb: String
        /// Plural resource (`semanticroutes`), empty for non-resource paths.
        public var resource: String
        public var group: String
        public var subresource: String?
        public var namespace: String?
        public var name: String?
        public var path: String
        public var code: Int
        /// The authenticated user (a token's identity); nil for the local admin (no `Authorization` header).
        public var user: String? = nil
    }

    private let entries = Mutex<[Entry]>([])

    init() {}

    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    public var all: [Entry] { entries.withLock { $0 } }

    /// How many requests had this verb (and resource, when given).
    public func count(verb: String, resource: String? = nil) -> Int {
        entries.withLock { $0.filter { $0.verb == verb && (resource == nil || $0.resource == resource) }.count }
    }

    /// Counts per `verb resource`, e.g. `["list semanticroutes": 1, "watch semanticroutes": 2]`.
    public var counts: [String: Int] {
        entries.withLock { all in
            all.filter { !$0.resource.isEmpty }.reduce(into: [:]) { $0["\($1.verb) \($1.resource)", default: 0] += 1 }
        }
    }

    /// Requests that change state (create, update, patch, delete, deletecollection).
    public var writes: [Entry] {
        entries.withLock { $0.filter { ["create", "update", "patch", "delete", "deletecollection"].contains($0.verb) } }
    }

    public func clear() { entries.withLock { $0.removeAll() } }
}
