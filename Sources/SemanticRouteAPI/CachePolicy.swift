import KubeCore

/// The classifier's semantic cache: answers a prompt close enough to one already answered.
public struct CachePolicy: Sendable, Hashable, Codable {
    public var enabled: Bool?
    public var similarityThreshold: Double?
    public var ttl: GoDuration?
    public var maxEntries: Int?

    public init(enabled: Bool? = nil, similarityThreshold: Double? = nil, ttl: GoDuration? = nil, maxEntries: Int? = nil) {
        self.enabled = enabled
        self.similarityThreshold = similarityThreshold
        self.ttl = ttl
        self.maxEntries = maxEntries
    }

    static var schema: JSONSchema {
        .object("A semantic cache in the classifier: a prompt whose embedding is close enough to a cached one (same decision, and same experiment arm) is answered from the cache. Off by default.", [
            "enabled": .boolean("Turns the cache on.", default: false),
            "similarityThreshold": .number("The minimum cosine similarity for a hit, 0 to 1.", minimum: 0, maximum: 1, default: 0.95),
            "ttl": .duration("How long an entry lives.", default: "10m"),
            "maxEntries": .integer("Entries kept per classifier replica; the least recently used are evicted.", minimum: 1, maximum: 1_000_000, default: 10000),
        ])
    }
}
