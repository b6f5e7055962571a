/// A clock reduced to what the runtime needs: time since an origin, and sleeping until a point after it.
/// Erases any `Clock<Duration>` (``ContinuousClock`` in production, ``ManualClock`` in tests) so backoff,
/// delayed requeues, resyncs and leases can all be driven by an injected clock.
public struct RuntimeClock: Sendable {
    private let nowOffset: @Sendable () -> Duration
    private let sleepUntilOffset: @Sendable (Duration) async throws -> Void

    public init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        nowOffset = { origin.duration(to: clock.now) }
        sleepUntilOffset = { offset in try await clock.sleep(until: origin.advanced(by: offset), tolerance: nil) }
    }

    public static var continuous: RuntimeClock { RuntimeClock(ContinuousClock()) }

    /// Time elapsed since this clock was created.
    public var now: Duration { nowOffset() }

    /// Sleeps until ``now`` reaches `deadline`; throws `CancellationError` when cancelled.
    public func sleep(until deadline: Duration) async throws { try await sleepUntilOffset(deadline) }

    public func sleep(for duration: Duration) async throws { try await sleep(until: now + duration) }
}
