import CoreMetrics
import Metrics

/// The classifier's metrics, Prometheus-shaped (`semroute_classifier_*`), through swift-metrics. The factory
/// is injected (tests pass their own registry-backed one); by default it is the process-wide `MetricsSystem`
/// factory, which only `semroute` bootstraps.
///
/// Label values are bounded: phases and stages are fixed words, decisions are the config's decision names
/// (at most 15), block reasons and error kinds are closed sets.
struct ClassifierMetrics: Sendable {
    static let prefix = "semroute_classifier_"

    let factory: any MetricsFactory

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Creates the counters of closed label sets at zero (errors by kind, blocks by reason, cache hits and
    /// misses), so a dashboard or alert sees 0 rather than no data before the first event: Prometheus'
    /// advice for counters whose label values are known up front.
    func registerZeroes() {
        for kind in ErrorKind.allCases {
            Counter(label: Self.prefix + "errors_total", dimensions: [("kind", kind.rawValue)], factory: factory).increment(by: 0)
        }
        for reason in ["pii", "jailbreak"] {
            Counter(label: Self.prefix + "blocked_total", dimensions: [("reason", reason)], factory: factory).increment(by: 0)
        }
        for name in ["cache_hits_total", "cache_misses_total", "feedback_unmatched_total"] {
            Counter(label: Self.prefix + name, factory: factory).increment(by: 0)
        }
    }

    /// One ext_proc phase (`request_headers`, `request_body`, `response_headers`, `response_body`, ...) or
    /// one HTTP classify call (`classify`), end to end inside the server.
    func recordRequest(phase: String, seconds: Double) {
        Timer(label: Self.prefix + "request_duration_seconds", dimensions: [("phase", phase)], factory: factory)
            .recordSeconds(seconds)
    }

    /// One pipeline stage (parse, keywords, embed, decide, ...), as the pipeline timed it.
    func recordStage(_ stage: String, seconds: Double) {
        Timer(label: Self.prefix + "stage_duration_seconds", dimensions: [("stage", stage)], factory: factory)
            .recordSeconds(seconds)
    }

    func countDecision(_ decision: String) {
        Counter(label: Self.prefix + "decisions_total", dimensions: [("decision", decision)], factory: factory).increment()
    }

    /// How a decision was taken: `basis` is `conversation` (a follow-up decided with its earlier turns) or
    /// `session` (a session's pin); decisions on the last turn alone are not counted here.
    func countDecisionBasis(_ basis: String) {
        Counter(label: Self.prefix + "decisions_by_basis_total", dimensions: [("basis", basis)], factory: factory).increment()
    }

    /// A request assigned to an arm of a sticky A/B test.
    func countExperimentArm(experiment: String, arm: String) {
        Counter(label: Self.prefix + "experiment_assignments_total", dimensions: [("experiment", experiment), ("arm", arm)],
                factory: factory).increment()
    }

    /// Session pins held by this replica now.
    func recordSessionPins(_ count: Int) {
        Gauge(label: Self.prefix + "session_pins", factory: factory).record(count)
    }

    func countBlocked(reason: String) {
        Counter(label: Self.prefix + "blocked_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    func countCache(hit: Bool) {
        Counter(label: Self.prefix + (hit ? "cache_hits_total" : "cache_misses_total"), factory: factory).increment()
    }

    func countPassThrough(reason: String) {
        Counter(label: Self.prefix + "pass_through_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    func countError(kind: ErrorKind) {
        Counter(label: Self.prefix + "errors_total", dimensions: [("kind", kind.rawValue)], factory: factory).increment()
    }

    func countReload(result: ReloadOutcome.Result) {
        Counter(label: Self.prefix + "config_reloads_total", dimensions: [("result", result.rawValue)], factory: factory)
            .increment()
    }

    /// A shadow copy finished (`result` is the HTTP status class like `2xx`, or `error`, `timeout`) or was
    /// never sent (`dropped`: the queue was full).
    func countShadow(result: String) {
        Counter(label: Self.prefix + "shadow_requests_total", dimensions: [("result", result)], factory: factory).increment()
    }

    func recordShadow(seconds: Double) {
        Timer(label: Self.prefix + "shadow_duration_seconds", factory: factory).recordSeconds(seconds)
    }

    /// User feedback (`POST /v1/feedback`) on a request this replica classified: `rating` is `positive`,
    /// `negative` or `none`, `label` a bounded word or `none`.
    func countFeedback(decision: String, alias: String, rating: String, label: String) {
        Counter(label: Self.prefix + "feedback_total",
                dimensions: [("decision", decision), ("alias", alias), ("rating", rating), ("label", label)],
                factory: factory).increment()
    }

    /// Feedback whose request id this replica does not know (another replica served it, or it expired).
    func countFeedbackUnmatched() {
        Counter(label: Self.prefix + "feedback_unmatched_total", factory: factory).increment()
    }

    /// Open ext_proc streams right now.
    func streamOpened() {
        Meter(label: Self.prefix + "active_streams", factory: factory).increment()
    }

    func streamClosed() {
        Meter(label: Self.prefix + "active_streams", factory: factory).decrement()
    }

    /// Every metric name this type can emit (docs and tests check them).
    static let names = [
        "request_duration_seconds", "stage_duration_seconds", "decisions_total", "blocked_total",
        "cache_hits_total", "cache_misses_total", "pass_through_total", "errors_total", "config_reloads_total",
        "shadow_requests_total", "shadow_duration_seconds", "active_streams", "decisions_by_basis_total", "session_pins",
        "experiment_assignments_total", "feedback_total", "feedback_unmatched_total",
    ].map { prefix + $0 }

    /// The closed set of error kinds.
    enum ErrorKind: String, Sendable, CaseIterable {
        /// The pipeline failed on a request it should have classified.
        case pipeline
        /// A body larger than the configured limit.
        case oversized
        /// A ProcessingRequest out of protocol order or with no phase set.
        case protocolViolation = "protocol"
        /// The gRPC stream itself failed (transport, malformed protobuf).
        case stream
        /// A shadow copy could not be built or sent.
        case shadow
        /// POST /v1/classify failed inside the pipeline.
        case classify
    }
}
