extension ClassifierConfig {
    /// One request-header test of a condition: `name` (any case; compared case-insensitively) and exactly one
    /// of `exact`, `prefix`, `regex` (matches the whole value), `present: true` or `absent: true`. Values
    /// compare case-sensitively; a header sent several times is compared as its values joined by `,`.
    public struct HeaderMatch: Sendable, Hashable, Codable {
        public var name: String
        public var exact: String?
        public var prefix: String?
        public var regex: String?
        public var present: Bool?
        public var absent: Bool?

        public init(name: String, exact: String? = nil, prefix: String? = nil, regex: String? = nil, present: Bool? = nil,
                    absent: Bool? = nil) {
            self.name = name
            self.exact = exact
            self.prefix = prefix
            self.regex = regex
            self.present = present
            self.absent = absent
        }
    }
}
