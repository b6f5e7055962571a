import SemanticRouteAPI
@testable import SemanticRouteController
import Testing

/// The rollout state machine on an injected clock: every phase, every command, Prometheus outages, thresholds.
@Suite("Rollout state machine", .timeLimit(.minutes(2)))
struct RolloutStateMachineTests {
    static let start: Int64 = 1_796_000_000
    static let rollout = Rollout(name: "qwen3", stable: "old", candidate: "new", steps: [10, 50], interval: "5m",
                                 analysis: .init(maxErrorRate: "0.05", maxLatencyRatio: "1.5", minRequests: 20))

    static func machine(at t: Int64, _ rollout: Rollout = rollout) -> RolloutStateMachine { RolloutStateMachine(rollout: rollout, now: t) }
    static let healthy = RolloutMeasurement(candidateRequests: 100, candidateErrors: 1, stableRequests: 900,
                                            candidateMeanSeconds: 1.1, stableMeanSeconds: 1.0)

    @Test("a healthy candidate walks every step, one interval each, and ends at 100% Succeeded")
    func happyPath() {
        var (state, started) = Self.machine(at: Self.start).restore(nil)
        #expect(started?.reason == "RolloutStarted")
        #expect((state.phase, state.step, state.weight) == (.progressing, 1, 10))
        #expect(Self.machine(at: Self.start).analysisDue(state) == Self.start + 300)

        var t = Self.start + 300
        var transition: RolloutTransition?
        (state, transition) = Self.machine(at: t).judge(state, Self.healthy)
        #expect((state.phase, state.step, state.weight) == (.progressing, 2, 50))
        #expect(transition?.reason == "RolloutAdvanced")
        #expect(state.lastAnalysis?.verdict == .passed && state.lastAnalysis?.windowSeconds == 300)
        #expect(state.lastAnalysis?.errorRate == "0.01" && state.lastAnalysis?.latencyRatio == "1.1")
        #expect(Self.machine(at: t).analysisDue(state) == t + 300, "the next step gets a full interval")

        t += 300
        (state, transition) = Self.machine(at: t).judge(state, Self.healthy)
        #expect((state.phase, state.weight, state.reason) == (.succeeded, 100, "AllStepsPassed"))
        #expect(transition?.reason == "RolloutSucceeded")
        #expect(Self.machine(at: t).analysisDue(state) == nil, "a finished rollout asks Prometheus nothing")
    }

    @Test("an error rate or a latency ratio above its threshold aborts back to 0%; at the threshold passes")
    func thresholds() {
        let (state, _) = Self.machine(at: Self.start).restore(nil)
        let m = Self.machine(at: Self.start + 300)
        var failing = Self.healthy
        failing.candidateErrors = 6
        var (next, transition) = m.judge(state, failing)
        #expect((next.phase, next.weight, next.reason) == (.aborted, 0, "AnalysisFailed"))
        #expect(transition?.warning == true && transition?.reason == "RolloutAborted")
        #expect(next.message.contains("error rate above 0.05"), "\(next.message)")

        var atLimit = Self.healthy
        atLimit.candidateErrors = 5
        #expect(m.judge(state, atLimit).0.phase == .progressing)

        var slow = Self.healthy
        slow.candidateMeanSeconds = 1.6
        (next, _) = m.judge(state, slow)
        #expect(next.phase == .aborted && next.lastAnalysis?.latencyRatio == "1.6")
        #expect(next.message.contains("latency ratio above 1.5"))
        slow.candidateMeanSeconds = 1.5
        #expect(m.judge(state, slow).0.phase == .progressing)
    }

    @Test("a candidate failing at low traffic is aborted at once: its failures already exceed the threshold of minRequests")
    func earlyFailure() {
        let (state, _) = Self.machine(at: Self.start).restore(nil)
        // 3 failures of 3 requests: even 17 more successes (minRequests 20) would leave 15% > 5%.
        let broken = RolloutMeasurement(candidateRequests: 3, candidateErrors: 3, stableRequests: 50, candidateMeanSeconds: nil, stableMeanSeconds: 1)
        #expect(Self.machine(at: Self.start + 300).judge(state, broken).0.phase == .aborted)
        // 1 failure of 3: 1/20 = 5% is not above 5%, so the step waits for more requests.
        let unlucky = RolloutMeasurement(candidateRequests: 3, candidateErrors: 1, stableRequests: 50, candidateMeanSeconds: 1, stableMeanSeconds: 1)
        #expect(Self.machine(at: Self.start + 300).judge(state, unlucky).0.lastAnalysis?.verdict == .inconclusive)
    }

    @Test("too few candidate requests: the step stays, judged again one interval later over the whole step")
    func inconclusive() {
        let (state, _) = Self.machine(at: Self.start).restore(nil)
        var few = Self.healthy
        few.candidateRequests = 19
        var (next, transition) = Self.machine(at: Self.start + 300).judge(state, few)
        #expect(transition == nil)
        #expect((next.phase, next.step, next.weight) == (.progressing, 1, 10))
        #expect(next.lastAnalysis?.verdict == .inconclusive)
        #expect(Self.machine(at: Self.start + 300).analysisDue(next) == Self.start + 600)
        // One interval later the window covers the whole step.
        let later = Self.machine(at: Self.start + 600)
        #expect(later.window(next) == 600)
        (next, _) = later.judge(next, Self.healthy)
        #expect(next.step == 2)
    }

    @Test("Prometheus unreachable: paused at the same weight with the reason, retried every 30s, never advanced; its answer resumes the step")
    func prometheusOutage() {
        let (state, _) = Self.machine(at: Self.start).restore(nil)
        var t = Self.start + 300
        var (next, transition) = Self.machine(at: t).unavailable(state, error: "connection refused")
        #expect((next.phase, next.weight, next.reason) == (.paused, 10, "PrometheusUnavailable"))
        #expect(transition?.warning == true && next.message.contains("connection refused"))
        #expect(Self.machine(at: t).analysisDue(next) == t + 30)
        // Still down: nothing changes (so nothing is written), no second Event; the next try is paced by the last attempt.
        let before = next
        t += 30
        #expect(Self.machine(at: t).analysisDue(next, lastAttempt: t - 30) == t)
        (next, transition) = Self.machine(at: t).unavailable(next, error: "connection refused (again, at another port)")
        #expect(transition == nil && next == before)
        #expect(Self.machine(at: t).analysisDue(next, lastAttempt: t) == t + 30)
        // Back: the step is judged over its whole window (start → now), and advances.
        t += 30
        #expect(Self.machine(at: t).window(next) == 360)
        (next, transition) = Self.machine(at: t).judge(next, Self.healthy)
        #expect((next.phase, next.step, next.weight) == (.progressing, 2, 50))
        // Back but inconclusive: progressing again at the same step.
        let (paused, _) = Self.machine(at: Self.start + 300).unavailable(state, error: "timeout")
        var few = Self.healthy
        few.candidateRequests = 1
        (next, transition) = Self.machine(at: Self.start + 330).judge(paused, few)
        #expect((next.phase, next.step, next.reason) == (.progressing, 1, "StepRunning"))
        #expect(transition?.reason == "RolloutResumed")
    }

    @Test("commands: pause holds, resume restarts the step's clock, promote goes to 100%, abort to 0%, restart after abort starts over; the rest is ignored, saying why")
    func commands() {
        let (state, _) = Self.machine(at: Self.start).restore(nil)
        let m = Self.machine(at: Self.start + 100)
        var (paused, t1) = m.apply(.pause, to: state)
        #expect((paused.phase, paused.reason, paused.weight) == (.paused, "PausedByUser", 10) && t1.reason == "RolloutPaused")
        #expect(m.analysisDue(paused) == nil, "a user's pause asks Prometheus nothing")
        #expect(m.apply(.pause, to: paused).1.reason == "RolloutCommandIgnored")

        let later = Self.machine(at: Self.start + 1000)
        let (resumed, t2) = later.apply(.resume, to: paused)
        #expect((resumed.phase, resumed.step) == (.progressing, 1) && t2.reason == "RolloutResumed")
        #expect(later.analysisDue(resumed) == Self.start + 1300, "a resumed step gets a full interval")

        let (promoted, t3) = m.apply(.promote, to: state)
        #expect((promoted.phase, promoted.weight, promoted.reason) == (.succeeded, 100, "PromotedByUser") && t3.reason == "RolloutPromoted")
        let (aborted, t4) = m.apply(.abort, to: promoted)
        #expect((aborted.phase, aborted.weight) == (.aborted, 0) && t4.warning)
        // A `resume` left behind (say, re-applied by GitOps) never restarts an aborted rollout; `restart` does.
        #expect(m.apply(.resume, to: aborted).1.reason == "RolloutCommandIgnored")
        let (restarted, t5) = m.apply(.restart, to: aborted)
        #expect((restarted.phase, restarted.step, restarted.weight) == (.progressing, 1, 10) && t5.reason == "RolloutRestarted")
        #expect(m.apply(.abort, to: aborted).1.reason == "RolloutCommandIgnored")
        #expect(m.apply(.resume, to: state).1.reason == "RolloutCommandIgnored")
        // A user's pause wins over an outage pause, and is not lifted by Prometheus coming back.
        let (outage, _) = m.unavailable(state, error: "down")
        (paused, t1) = m.apply(.pause, to: outage)
        #expect(paused.reason == "PausedByUser" && m.analysisDue(paused) == nil)
    }

    @Test("restore: a different stable/candidate/decision starts over; a shorter step list clamps; a finished rollout stays finished")
    func restore() {
        let (state, _) = Self.machine(at: Self.start).restore(nil)
        var (advanced, _) = Self.machine(at: Self.start + 300).judge(state, Self.healthy)
        #expect(advanced.step == 2)
        var other = Self.rollout
        other.candidate = "newer"
        let (fresh, started) = Self.machine(at: Self.start + 400, other).restore(advanced)
        #expect(fresh.step == 1 && started?.reason == "RolloutStarted" && fresh.target == "default/old/newer")
        var shorter = Self.rollout
        shorter.steps = [30]
        let (clamped, none) = Self.machine(at: Self.start + 400, shorter).restore(advanced)
        #expect(none == nil && clamped.step == 1 && clamped.weight == 30 && clamped.steps == 1)
        advanced.phase = .succeeded
        #expect(Self.machine(at: Self.start + 400, shorter).restore(advanced).0.weight == 100)
    }

    @Test("RFC 3339 round trip, offsets and fractions, as the API server writes times")
    func timestamps() {
        for t: Int64 in [0, 951_782_400, 1_796_000_000, 4_102_444_800, -86_401] {
            #expect(RFC3339.seconds(RFC3339.string(t)) == t)
        }
        #expect(RFC3339.string(1_796_000_000) == "2026-11-30T00:53:20Z")
        #expect(RFC3339.seconds("2026-11-30T01:53:20.123+01:00") == 1_796_000_000)
        #expect(RFC3339.seconds("2026-11-30 00:53:20Z") == nil)
        #expect(RFC3339.seconds("2026-13-30T00:53:20Z") == nil)
    }
}
