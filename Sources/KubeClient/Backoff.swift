import Foundation

/// Exponential backoff with jitter: attempt `n` (from 0) waits `min(max, initial * multiplier^n)` stretched by a
/// random factor in `[1, 1 + jitter)` (client-go `wait.Jitter`, kube-runtime's default watcher backoff).
public struct Backoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double
    /// Fraction of the base delay added at random; 0 disables jitter.
    public var jitter: Double

    public init(initial: Duration, maximum: Duration, multiplier: Double = 2, jitter: Double = 0.5) {
        precondition(initial > .zero && maximum >= initial && multiplier >= 1 && jitter >= 0,
                     "Backoff needs 0 < initial <= maximum, multiplier >= 1, jitter >= 0")
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The base delay (before jitter) of attempt `n`.
    public func baseDelay(attempt: Int) -> Duration {
        let exponent = Double(max(0, min(attempt, 62)))
        let seconds = initial.seconds * Foundation.pow(multiplier, exponent)
        return seconds >= maximum.seconds ? maximum : .seconds(seconds)
    }

    /// The jittered delay of attempt `n`.
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let base = baseDelay(attempt: attempt)
        guard jitter > 0 else { return base }
        return base * (1 + Double.random(in: 0..<jitter, using: &generator))
    }

    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }

    /// The watcher default: 800 ms doubling to 30 s, as kube-runtime's `DefaultBackoff`.
    public static let watch = Backoff(initial: .milliseconds(800), maximum: .seconds(30))
    /// Per-key reconcile retries: 5 ms doubling to 1000 s, as client-go's `DefaultControllerRateLimiter`.
    public static let reconcile = Backoff(initial: .milliseconds(5), maximum: .seconds(1000), jitter: 0.1)
    /// Client retries of idempotent calls.
    public static let request = Backoff(initial: .milliseconds(200), maximum: .seconds(5))
}

extension Duration {
    /// This duration in (fractional) seconds.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
