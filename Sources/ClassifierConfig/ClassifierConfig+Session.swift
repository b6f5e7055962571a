extension ClassifierConfig {
    /// Session pinning: requests with the same value of `header` keep the decision of their session's first
    /// classified turn for `ttlSeconds` (counted from that turn), at most `maxSessions` pins per replica.
    public struct Session: Sendable, Hashable, Codable {
        /// The header name (any case; compared case-insensitively).
        public var header: String
        public var ttlSeconds: Double
        public var maxSessions: Int

        public init(header: String, ttlSeconds: Double, maxSessions: Int) {
            self.header = header
            self.ttlSeconds = ttlSeconds
            self.maxSessions = maxSessions
        }
    }

    /// How decisions read a multi-turn conversation: the last user turn alone first; when no decision matches
    /// it, that turn with up to `contextTurns` earlier user turns.
    public struct Conversation: Sendable, Hashable, Codable {
        public var contextTurns: Int

        public init(contextTurns: Int) {
            self.contextTurns = contextTurns
        }
    }
}
