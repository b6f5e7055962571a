import KubeCore

/// Where one rollout stands (`status.rollouts[]`), written by the operator. The operator also reads it back: it
/// is the rollout's memory across reconciles and restarts (the step and when it began).
public struct RolloutStatus: Sendable, Hashable, Codable {
    public enum Phase: String, Sendable, Hashable, Codable, CaseIterable {
        /// Running a step; judged when its interval is over.
        case progressing = "Progressing"
        /// Held at its weight: by a user (`pause`), or because Prometheus could not be asked.
        case paused = "Paused"
        /// Every step passed: the candidate has all of the stable backend's share.
        case succeeded = "Succeeded"
        /// Failed a step, or a user aborted it: the stable backend has its whole share back.
        case aborted = "Aborted"
    }

    /// One analysis: what Prometheus said about a step, and the verdict.
    public struct Analysis: Sendable, Hashable, Codable {
        public enum Verdict: String, Sendable, Hashable, Codable {
            case passed = "Passed", failed = "Failed", inconclusive = "Inconclusive"
        }
        /// When it ran (RFC 3339).
        public var time: String
        /// The window it covered, in seconds (the step so far).
        public var windowSeconds: Int64
        public var candidateRequests: Int64
        public var candidateErrors: Int64
        public var stableRequests: Int64
        /// Candidate errors / candidate requests, as a decimal string (`"0.0123"`).
        public var errorRate: String?
        /// Candidate mean request duration / stable mean request duration (`"1.08"`); absent without stable requests.
        public var latencyRatio: String?
        public var verdict: Verdict
        public var message: String

        public init(time: String, windowSeconds: Int64, candidateRequests: Int64, candidateErrors: Int64, stableRequests: Int64,
                    errorRate: String?, latencyRatio: String?, verdict: Verdict, message: String) {
            self.time = time
            self.windowSeconds = windowSeconds
            self.candidateRequests = candidateRequests
            self.candidateErrors = candidateErrors
            self.stableRequests = stableRequests
            self.errorRate = errorRate
            self.latencyRatio = latencyRatio
            self.verdict = verdict
            self.message = message
        }
    }

    public var name: String
    /// `decision/stable/candidate` of the rollout this status is about (``Rollout/identity``): a different one
    /// starts over.
    public var target: String
    public var phase: Phase
    /// The current step, 1-based, of `steps` analysed steps (`steps + 1` is the promotion).
    public var step: Int
    public var steps: Int
    /// The candidate's percentage of the stable backend's share, as rendered.
    public var weight: Int
    /// When the current step (or pause) began (RFC 3339).
    public var since: String
    /// A machine-readable cause of the phase (`StepRunning`, `PausedByUser`, `PrometheusUnavailable`, `AnalysisFailed`, …).
    public var reason: String
    public var message: String
    public var lastAnalysis: Analysis?

    public init(name: String, target: String, phase: Phase, step: Int, steps: Int, weight: Int, since: String, reason: String,
                message: String, lastAnalysis: Analysis? = nil) {
        self.name = name
        self.target = target
        self.phase = phase
        self.step = step
        self.steps = steps
        self.weight = weight
        self.since = since
        self.reason = reason
        self.message = message
        self.lastAnalysis = lastAnalysis
    }

    /// `name weight% Phase`, for the `Rollout` printer column.
    public var summary: String { "\(name) \(weight)% \(phase.rawValue)" }

    static var schema: JSONSchema {
        var time = JSONSchema.string("RFC 3339.")
        time.format = "date-time"
        return .object("One rollout's state.", required: ["name", "target", "phase", "step", "steps", "weight", "since", "reason", "message"], [
            "name": .string("The rollout's name.", maxLength: 40),
            "target": .string("`decision/stable/candidate`: a rollout whose target changes starts over.", maxLength: 128),
            "phase": .string("Progressing, Paused, Succeeded or Aborted.", enum: Phase.allCases.map(\.rawValue)),
            "step": .integer("The current step, from 1.", minimum: 0, maximum: Rollout.maxSteps + 1),
            "steps": .integer("How many analysed steps the rollout has.", minimum: 0, maximum: Rollout.maxSteps),
            "weight": .integer("The candidate's percentage of the stable backend's share, as rendered.", minimum: 0, maximum: 100),
            "since": { var t = time; t.description = "When the current step or pause began."; return t }(),
            "reason": .string("Why the rollout is in its phase, PascalCase.", maxLength: 64),
            "message": .string("A human-readable account of the phase.", maxLength: 4096),
            "lastAnalysis": .object("The last analysis of a step.", required: ["time", "windowSeconds", "candidateRequests", "candidateErrors", "stableRequests", "verdict", "message"], [
                "time": { var t = time; t.description = "When it ran."; return t }(),
                "windowSeconds": .integer("The window it covered, in seconds.", minimum: 0, format: "int64"),
                "candidateRequests": .integer("Requests the candidate served in the window.", minimum: 0, format: "int64"),
                "candidateErrors": .integer("Of them, failed.", minimum: 0, format: "int64"),
                "stableRequests": .integer("Requests the stable backend served in the window.", minimum: 0, format: "int64"),
                "errorRate": .string("The candidate's error rate.", maxLength: 16),
                "latencyRatio": .string("The candidate's mean request duration over the stable backend's.", maxLength: 16),
                "verdict": .string("Passed, Failed or Inconclusive (too few requests).", enum: ["Passed", "Failed", "Inconclusive"]),
                "message": .string("The analysis in words.", maxLength: 4096),
            ]),
        ])
    }
}
