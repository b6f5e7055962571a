/// SplitMix64: a small deterministic generator for test data and jitter tests (the same sequence on every run
/// and platform, unlike `SystemRandomNumberGenerator`).
public struct SplitMix: RandomNumberGenerator, Sendable {
    public var state: UInt64

    /// Starts from `state` as given.
    public init(state: UInt64) { self.state = state }

    /// Starts from a seed mixed with the golden-ratio increment (so seed 0 is not a degenerate start).
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func float() -> Float { Float(next() >> 40) / Float(1 << 24) }
}
