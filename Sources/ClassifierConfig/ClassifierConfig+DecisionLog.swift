extension ClassifierConfig {
    /// One structured log line per sampled classified request (`spec.observability.decisionLog`).
    public struct DecisionLog: Sendable, Hashable, Codable {
        /// The share of classified requests logged, 0...1.
        public var sampleRatio: Double
        /// Also log the classified text (bounded); off unless the route asks for it.
        public var includePrompt: Bool

        public init(sampleRatio: Double, includePrompt: Bool = false) {
            self.sampleRatio = sampleRatio
            self.includePrompt = includePrompt
        }
    }
}
