import KubeCore

/// Session pinning: a request header names the conversation; once a session got a decision, its later turns
/// keep it (on the same classifier replica) until the TTL runs out, instead of being classified again.
public struct SessionPolicy: Sendable, Hashable, Codable {
    public var header: String
    public var ttl: GoDuration?
    public var maxSessions: Int?

    public init(header: String, ttl: GoDuration? = nil, maxSessions: Int? = nil) {
        self.header = header
        self.ttl = ttl
        self.maxSessions = maxSessions
    }

    public static let defaultTTL: GoDuration = "30m"
    public static let defaultMaxSessions = 10000

    static var schema: JSONSchema {
        .object("Session pinning: requests that carry the header with the same value are one session; the decision of its first classified turn is kept for its later turns until `ttl` (counted from that turn) runs out. Safety checks still run on every turn. Pins live in each classifier replica's memory.",
                required: ["header"], [
            "header": .string("The request header holding the session id, e.g. `x-session-id` (case-insensitive). Requests without it, or with a value over 256 bytes, are classified every turn.",
                              pattern: Patterns.headerName, minLength: 1, maxLength: 256),
            "ttl": .duration("How long a session keeps its decision, counted from the turn that made it.", default: defaultTTL.text),
            "maxSessions": .integer("Sessions pinned per classifier replica; when full, the oldest pin goes first.",
                                    minimum: 1, maximum: 1_000_000, default: defaultMaxSessions),
        ])
    }
}
