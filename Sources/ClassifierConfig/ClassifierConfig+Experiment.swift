extension ClassifierConfig {
    /// A sticky A/B test on one decision: a request that took `decision` and carries `header` is assigned to
    /// one arm by a stable hash of the experiment's name and the header's value, so one user always gets the
    /// same arm, on every classifier replica; the arm's alias replaces the decision's alias.
    public struct Experiment: Sendable, Hashable, Codable {
        public var name: String
        /// The decision name (`default` for the default targets).
        public var decision: String
        /// The header naming the user (any case; compared case-insensitively).
        public var header: String
        public var arms: [Arm]

        public init(name: String, decision: String, header: String, arms: [Arm]) {
            self.name = name
            self.decision = decision
            self.header = header
            self.arms = arms
        }

        public struct Arm: Sendable, Hashable, Codable {
            public var name: String
            /// The model alias requests of this arm get (`<route>.<decision>.<arm>`).
            public var alias: String
            /// The arm's share of users, relative to the other arms' weights.
            public var weight: Int

            public init(name: String, alias: String, weight: Int) {
                self.name = name
                self.alias = alias
                self.weight = weight
            }
        }
    }
}
