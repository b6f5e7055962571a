import SemanticRouteAPI

/// A user's command to a rollout, from the annotation `rollout.semroute.io/<name>`.
public enum RolloutCommand: String, Sendable, Hashable, CaseIterable {
    /// Hold at the current weight.
    case pause
    /// Continue a paused rollout, with a fresh interval for its step.
    case resume
    /// Start an aborted rollout over from its first step (never `resume`: a `resume` left behind must not
    /// restart a rollout the analysis aborted).
    case restart
    /// Give the candidate 100% now.
    case promote
    /// Give the stable backend its whole share back.
    case abort
}

/// What Prometheus said about a step, over the step's window: the candidate's requests and failed requests,
/// the stable backend's requests, and each one's mean duration of a successful request. Counts are Prometheus
/// `increase()` results, so they are estimates and need not be integers.
public struct RolloutMeasurement: Sendable, Hashable {
    public var candidateRequests: Double
    public var candidateErrors: Double
    public var stableRequests: Double
    public var candidateMeanSeconds: Double?
    public var stableMeanSeconds: Double?

    public init(candidateRequests: Double, candidateErrors: Double, stableRequests: Double,
                candidateMeanSeconds: Double?, stableMeanSeconds: Double?) {
        self.candidateRequests = candidateRequests
        self.candidateErrors = candidateErrors
        self.stableRequests = stableRequests
        self.candidateMeanSeconds = candidateMeanSeconds
        self.stableMeanSeconds = stableMeanSeconds
    }

    /// Candidate mean over stable mean, when both are known and the stable one is above zero.
    public var latencyRatio: Double? {
        guard let c = candidateMeanSeconds, let s = stableMeanSeconds, s > 0, c.isFinite, s.isFinite else { return nil }
        return c / s
    }
}

/// A transition worth an Event.
public struct RolloutTransition: Sendable, Hashable {
    public var reason: String
    public var warning: Bool
    public var message: String
}

/// One rollout as an explicit state machine: Progressing, Paused, Succeeded, Aborted. Pure: the time is an
/// argument (Unix seconds), the state is a ``RolloutStatus`` (what the operator writes to status and reads back),
/// and nothing here does I/O. The operator asks it whether a step is due for analysis, gives it what Prometheus
/// answered (or that Prometheus could not be asked), and renders the weight it returns.
public struct RolloutStateMachine: Sendable {
    public let rollout: Rollout
    /// Now, in Unix seconds.
    public let now: Int64

    public init(rollout: Rollout, now: Int64) {
        self.rollout = rollout
        self.now = now
    }

    /// How soon a rollout paused for an unreachable Prometheus asks again.
    public static let prometheusRetrySeconds: Int64 = 30

    var steps: [Int] { rollout.analysedSteps }

    /// The state to continue from: the previous one when it is about this rollout, else a fresh start. A step
    /// beyond a shortened step list is clamped to the last step.
    public func restore(_ previous: RolloutStatus?) -> (RolloutStatus, RolloutTransition?) {
        guard var state = previous, state.target == rollout.identity else {
            let state = progressing(step: 1)
            return (state, RolloutTransition(reason: "RolloutStarted", warning: false,
                                             message: "rollout \(rollout.name) started: \(rollout.candidate) gets \(state.weight)% of \(rollout.stable)'s share of decision \(rollout.effectiveDecision)"))
        }
        state.steps = steps.count
        if state.phase == .progressing || state.phase == .paused, state.step > steps.count {
            state.step = steps.count
        }
        state.weight = weight(state)
        return (state, nil)
    }

    /// The candidate's percentage of the stable backend's share in a state.
    func weight(_ state: RolloutStatus) -> Int {
        switch state.phase {
        case .succeeded: 100
        case .aborted: 0
        case .progressing, .paused: steps.isEmpty ? 100 : steps[max(0, min(state.step, steps.count) - 1)]
        }
    }

    /// Applies a user's command; a command that does not apply in the current phase leaves the state alone and
    /// says why.
    public func apply(_ command: RolloutCommand, to state: RolloutStatus) -> (RolloutStatus, RolloutTransition) {
        var next = state
        switch (command, state.phase) {
        case (.pause, .progressing), (.pause, .paused) where state.reason != "PausedByUser":
            next.phase = .paused
            next.reason = "PausedByUser"
            next.since = RFC3339.string(now)
            next.message = "paused by a user at step \(state.step)/\(steps.count) (\(state.weight)%); resume with the annotation \(rollout.commandAnnotation)=resume"
            return (next, .init(reason: "RolloutPaused", warning: false, message: "rollout \(rollout.name): " + next.message))
        case (.resume, .paused):
            next = progressing(step: state.step, keeping: state)
            return (next, .init(reason: "RolloutResumed", warning: false,
                                message: "rollout \(rollout.name) resumed at step \(next.step)/\(steps.count) (\(next.weight)%)"))
        case (.restart, .aborted):
            next = progressing(step: 1, keeping: state)
            return (next, .init(reason: "RolloutRestarted", warning: false,
                                message: "rollout \(rollout.name) restarted from step 1 (\(next.weight)%)"))
        case (.promote, .progressing), (.promote, .paused), (.promote, .aborted):
            next = finished(.succeeded, reason: "PromotedByUser", keeping: state,
                            message: "promoted by a user: \(rollout.candidate) has all of \(rollout.stable)'s share; make it the decision's target and remove the rollout")
            return (next, .init(reason: "RolloutPromoted", warning: false, message: "rollout \(rollout.name): " + next.message))
        case (.abort, .progressing), (.abort, .paused), (.abort, .succeeded):
            next = finished(.aborted, reason: "AbortedByUser", keeping: state,
                            message: "aborted by a user: \(rollout.stable) has its whole share back; restart to start over")
            return (next, .init(reason: "RolloutAborted", warning: true, message: "rollout \(rollout.name): " + next.message))
        default:
            return (state, .init(reason: "RolloutCommandIgnored", warning: false,
                                 message: "rollout \(rollout.name): \(command.rawValue) does nothing while it is \(state.phase.rawValue) (\(state.reason))"))
        }
    }

    /// When the state next needs an analysis (Unix seconds), or nil when it needs none (paused by a user,
    /// succeeded, aborted). A step is judged `interval` after it began, and again every interval while it is
    /// inconclusive; a Prometheus outage is retried every ``prometheusRetrySeconds``.
    /// `lastAttempt` is when the operator last tried Prometheus for this rollout (kept in memory, not in status,
    /// so an outage costs no status write per retry).
    public func analysisDue(_ state: RolloutStatus, lastAttempt: Int64? = nil) -> Int64? {
        switch state.phase {
        case .succeeded, .aborted: return nil
        case .paused:
            guard state.reason == "PrometheusUnavailable" else { return nil }
            let since = RFC3339.seconds(state.since) ?? now
            return max(since, lastAttempt ?? since) + min(rollout.intervalSeconds, Self.prometheusRetrySeconds)
        case .progressing:
            let began = RFC3339.seconds(state.since) ?? now
            var last = began
            if let analysis = state.lastAnalysis, let at = RFC3339.seconds(analysis.time), at >= began { last = at }
            return last + rollout.intervalSeconds
        }
    }

    /// The window an analysis covers: from the start of the step to now (at least one second).
    public func window(_ state: RolloutStatus) -> Int64 {
        max(1, now - (stepStart(state) ?? now))
    }

    /// A step's start: `since`, except while paused for Prometheus, where `since` is the pause and the step began
    /// at the last analysis's window start.
    func stepStart(_ state: RolloutStatus) -> Int64? {
        if state.phase == .paused, state.reason == "PrometheusUnavailable", let a = state.lastAnalysis,
           let at = RFC3339.seconds(a.time) {
            return at - a.windowSeconds
        }
        return RFC3339.seconds(state.since)
    }

    /// Prometheus could not be asked: the rollout holds its weight, paused, and asks again later. It never advances
    /// without an answer.
    /// While Prometheus stays unreachable the state does not change at all (the first error's message stays), so
    /// retries write nothing.
    public func unavailable(_ state: RolloutStatus, error: String) -> (RolloutStatus, RolloutTransition?) {
        guard state.reason != "PrometheusUnavailable" else { return (state, nil) }
        var next = state
        next.phase = .paused
        next.message = Self.bounded("Prometheus could not be queried, so the rollout holds at \(state.weight)% and asks again every \(min(rollout.intervalSeconds, Self.prometheusRetrySeconds))s: \(error)")
        // Keep the step's start where an analysis can find it: in lastAnalysis's window (no counts: none were read).
        next.lastAnalysis = RolloutStatus.Analysis(
            time: RFC3339.string(now), windowSeconds: window(state), candidateRequests: 0, candidateErrors: 0, stableRequests: 0,
            errorRate: nil, latencyRatio: nil, verdict: .inconclusive, message: "no analysis: Prometheus could not be queried")
        next.reason = "PrometheusUnavailable"
        next.since = RFC3339.string(now)
        return (next, .init(reason: "PrometheusUnavailable", warning: true, message: "rollout \(rollout.name): " + next.message))
    }

    /// Status messages are bounded (the CRD allows 4096 characters; an error text can be long).
    static func bounded(_ message: String) -> String {
        message.count <= 2000 ? message : String(message.prefix(1980)) + " … (truncated)"
    }

    /// Judges the current step from a measurement: too few candidate requests waits another interval; an error
    /// rate or latency ratio above its threshold aborts; otherwise the rollout moves to the next step, or
    /// succeeds after the last.
    public func judge(_ state: RolloutStatus, _ m: RolloutMeasurement) -> (RolloutStatus, RolloutTransition?) {
        let thresholds = rollout.effectiveAnalysis
        let windowSeconds = window(state)
        let errorRate = m.candidateRequests > 0 ? m.candidateErrors / m.candidateRequests : 0
        let ratio = m.latencyRatio
        let maxRate = Double(thresholds.errorRateBasisPoints) / 10_000
        let maxRatio = Double(thresholds.latencyRatioPercent) / 100
        let minRequests = thresholds.effectiveMinRequests

        let verdict: RolloutStatus.Analysis.Verdict
        var words: String
        let counted = "\(Self.count(m.candidateRequests)) candidate requests (\(Self.count(m.candidateErrors)) failed, error rate \(Self.decimal(errorRate, places: 4))), \(Self.count(m.stableRequests)) stable"
            + (ratio.map { ", latency ratio \(Self.decimal($0, places: 2))" } ?? "") + " in \(windowSeconds)s"
        // Failures already above the threshold of `minRequests` requests fail the step before it has them all:
        // a broken candidate at low traffic is aborted at the first analysis, not after several intervals.
        let failedEarly = m.candidateErrors / max(m.candidateRequests, Double(minRequests)) > maxRate
        if m.candidateRequests.rounded(.down) < Double(minRequests), !failedEarly {
            verdict = .inconclusive
            words = "\(counted): fewer than \(minRequests) candidate requests, the step runs another \(rollout.intervalSeconds)s"
        } else if errorRate > maxRate {
            verdict = .failed
            words = "\(counted): error rate above \(thresholds.maxErrorRate ?? Rollout.Analysis.defaultMaxErrorRate)"
        } else if let ratio, ratio > maxRatio {
            verdict = .failed
            words = "\(counted): latency ratio above \(thresholds.maxLatencyRatio ?? Rollout.Analysis.defaultMaxLatencyRatio)"
        } else {
            verdict = .passed
            words = "\(counted): within the thresholds" + (ratio == nil ? " (no successful stable requests to compare latency with)" : "")
        }
        let analysis = RolloutStatus.Analysis(
            time: RFC3339.string(now), windowSeconds: windowSeconds, candidateRequests: Int64(m.candidateRequests.rounded()),
            candidateErrors: Int64(m.candidateErrors.rounded()), stableRequests: Int64(m.stableRequests.rounded()),
            errorRate: Self.decimal(errorRate, places: 4), latencyRatio: ratio.map { Self.decimal($0, places: 2) },
            verdict: verdict, message: Self.bounded(words))

        var next = state
        next.lastAnalysis = analysis
        let recovered = state.phase == .paused
        switch verdict {
        case .inconclusive:
            next.reason = "StepRunning"
            next.message = "step \(state.step)/\(steps.count) at \(state.weight)%: " + words
            guard recovered else { return (next, nil) }
            // Prometheus answers again: the step continues from where it began.
            next.phase = .progressing
            next.since = RFC3339.string(stepStart(state) ?? now)
            return (next, .init(reason: "RolloutResumed", warning: false, message: "rollout \(rollout.name): Prometheus answers again; " + next.message))
        case .failed:
            next = finished(.aborted, reason: "AnalysisFailed", keeping: next,
                            message: "step \(state.step)/\(steps.count) at \(state.weight)% failed: \(words); \(rollout.stable) has its whole share back")
            return (next, .init(reason: "RolloutAborted", warning: true, message: "rollout \(rollout.name): " + next.message))
        case .passed:
            if state.step >= steps.count {
                next = finished(.succeeded, reason: "AllStepsPassed", keeping: next,
                                message: "every step passed (last: \(words)); \(rollout.candidate) has all of \(rollout.stable)'s share: make it the decision's target and remove the rollout")
                return (next, .init(reason: "RolloutSucceeded", warning: false, message: "rollout \(rollout.name): " + next.message))
            }
            next = progressing(step: state.step + 1, keeping: next)
            next.message = "step \(next.step)/\(steps.count) at \(next.weight)%; step \(state.step) passed: " + words
            return (next, .init(reason: "RolloutAdvanced", warning: false, message: "rollout \(rollout.name): " + next.message))
        }
    }

    /// A step starting now (`StepRunning`), keeping the last analysis.
    func progressing(step: Int, keeping previous: RolloutStatus? = nil) -> RolloutStatus {
        var state = RolloutStatus(name: rollout.name, target: rollout.identity, phase: .progressing, step: step, steps: steps.count,
                                  weight: 0, since: RFC3339.string(now), reason: "StepRunning", message: "",
                                  lastAnalysis: previous?.lastAnalysis)
        state.weight = weight(state)
        state.message = "step \(step)/\(steps.count): \(rollout.candidate) gets \(state.weight)% of \(rollout.stable)'s share, judged after \(rollout.intervalSeconds)s"
        return state
    }

    func finished(_ phase: RolloutStatus.Phase, reason: String, keeping previous: RolloutStatus, message: String) -> RolloutStatus {
        var state = previous
        state.phase = phase
        state.reason = reason
        state.since = RFC3339.string(now)
        state.message = message
        state.weight = weight(state)
        return state
    }

    static func count(_ value: Double) -> String { String(Int64(value.rounded())) }

    /// A non-negative value with at most `places` decimals, trailing zeros dropped (`0.0125`, `1.08`, `0`).
    static func decimal(_ value: Double, places: Int) -> String {
        guard value.isFinite, value >= 0 else { return "0" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((value * scale).rounded())
        let whole = scaled / Int64(scale), fraction = scaled % Int64(scale)
        guard fraction > 0 else { return String(whole) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: places - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}
