/// The scores one request's classification computed, in a form for logs: the domain head's top label and its
/// probability, and the best similarity to each example set that was compared. Signals are computed lazily, so
/// one that no evaluated decision needed is absent.
public struct SignalSummary: Sendable, Hashable {
    public struct ExampleScore: Sendable, Hashable {
        public var decision: String
        public var similarity: Double
    }

    public var domain: String?
    public var domainProbability: Double?
    public var examples: [ExampleScore] = []

    public init() {}
}
