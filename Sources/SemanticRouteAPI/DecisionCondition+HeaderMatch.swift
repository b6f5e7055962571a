import KubeCore

extension DecisionCondition {
    /// One request-header test of `when.headers`. Exactly one of `exact`, `prefix`, `regex`, `present` or
    /// `absent` is set. Names compare case-insensitively (HTTP header names do), values case-sensitively.
    /// A header sent several times is compared as its values joined by `,` (as Envoy's header matchers do).
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

        /// The match kinds, in schema order.
        public static let kinds = ["exact", "prefix", "regex", "present", "absent"]

        /// The match kinds this entry sets (exactly one is valid).
        public var setKinds: [String] {
            zip(Self.kinds, [exact != nil, prefix != nil, regex != nil, present != nil, absent != nil]).filter(\.1).map(\.0)
        }

        /// Most header matches one condition may list.
        public static let maxItems = 16

        static var listSchema: JSONSchema {
            .array("Matches on the request's HTTP headers: every entry must hold. Header names compare case-insensitively, values case-sensitively; a header sent several times is compared as its values joined by `,`. Costs no model inference.",
                   of: schema, minItems: 1, maxItems: maxItems)
        }

        static var schema: JSONSchema {
            JSONSchema.object("One header test: `name` and exactly one of `exact`, `prefix`, `regex`, `present: true` or `absent: true`.",
                              required: ["name"], [
                "name": .string("The header name (case-insensitive), e.g. `x-tier`. Pseudo-headers such as `:path` cannot be matched.",
                                pattern: Patterns.headerName, minLength: 1, maxLength: 256),
                "exact": .string("Holds when the header's value equals this (case-sensitive).", maxLength: 4096),
                "prefix": .string("Holds when the header's value starts with this (case-sensitive).", minLength: 1, maxLength: 4096),
                "regex": .string("Holds when this regular expression matches the whole value (case-sensitive, like Envoy's header matchers; use `.*` to match a part).",
                                 minLength: 1, maxLength: 1024),
                "present": .boolean("`true`: holds when the request carries the header, whatever its value."),
                "absent": .boolean("`true`: holds when the request does not carry the header."),
            ])
            .rule("[has(self.exact), has(self.prefix), has(self.regex), has(self.present), has(self.absent)].filter(x, x).size() == 1",
                  "exactly one of exact, prefix, regex, present or absent must be set")
            .rule("(!has(self.present) || self.present) && (!has(self.absent) || self.absent)",
                  "present and absent take only true (use absent: true instead of present: false)")
        }
    }
}
