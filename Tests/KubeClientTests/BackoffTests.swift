import Testing
@testable import KubeClient
import SemrouteTestSupport

@Suite("exponential backoff with jitter", .timeLimit(.minutes(2)))
struct BackoffTests {
    @Test("base delays double from the initial value and stop at the maximum")
    func baseDelays() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        #expect((0..<6).map { backoff.baseDelay(attempt: $0) } == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
        ])
        #expect(backoff.baseDelay(attempt: 10_000) == .seconds(1))
    }

    @Test("jittered delays stay within [base, base × (1 + jitter)) and are not all equal")
    func jitterBounds() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(10), jitter: 0.5)
        var generator = SplitMix(state: 42)
        for attempt in 0..<12 {
            let base = backoff.baseDelay(attempt: attempt)
            var seen = Set<Duration>()
            for _ in 0..<200 {
                let delay = backoff.delay(attempt: attempt, using: &generator)
                #expect(delay >= base && delay < base * 1.5)
                seen.insert(delay)
            }
            #expect(seen.count > 100)
        }
    }

    @Test("zero jitter is exact")
    func noJitter() {
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(8), jitter: 0)
        #expect(backoff.delay(attempt: 2) == .seconds(4))
    }
}
