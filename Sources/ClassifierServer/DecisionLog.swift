import ClassifierConfig
import ClassifierCore
import Logging

/// The decision log (`spec.observability.decisionLog`): one structured line, `msg` `semroute.decision`, per
/// sampled classified request, so a team can answer "why did this request go to that model" from its logs.
/// Metadata only: request id, route, outcome, decision, alias, what it was decided on, the scores computed,
/// latency; the classified text only when the route sets `includePrompt` (cut to 512 characters).
struct DecisionLog: Sendable {
    let logger: Logger
    /// Decides whether one request is logged, given the ratio (0...1).
    var sample: @Sendable (Double) -> Bool

    func rewrite(_ rewrite: RequestRewrite, config: ClassifierConfig, requestID: String?) {
        guard let settings = config.decisionLog, sample(settings.sampleRatio) else { return }
        var metadata = base(config: config, requestID: requestID, outcome: "rewrite", timings: rewrite.timings)
        metadata["decision"] = "\(rewrite.decision)"
        metadata["alias"] = "\(rewrite.alias)"
        metadata["decided_on"] = "\(rewrite.basis.rawValue)"
        if let domain = rewrite.signals.domain { metadata["signal.domain"] = "\(domain)" }
        if let p = rewrite.signals.domainProbability { metadata["signal.domain_probability"] = "\(Self.rounded(p))" }
        if !rewrite.signals.examples.isEmpty {
            metadata["signal.examples"] = .string(rewrite.signals.examples.map { "\($0.decision)=\(Self.rounded($0.similarity))" }
                .joined(separator: ","))
        }
        if let e = rewrite.experiment { metadata["experiment"] = "\(e.experiment)/\(e.arm)" }
        if !rewrite.redacted.isEmpty { metadata["redacted"] = "\(rewrite.redacted.joined(separator: ","))" }
        if settings.includePrompt { metadata["prompt"] = "\(rewrite.text)" }
        logger.info("semroute.decision", metadata: metadata)
    }

    func reply(_ reply: ImmediateReply, config: ClassifierConfig, requestID: String?) {
        guard let settings = config.decisionLog, sample(settings.sampleRatio) else { return }
        var metadata = base(config: config, requestID: requestID,
                            outcome: reply.reason == .cacheHit ? "cache_hit" : "blocked", timings: reply.timings)
        if let decision = reply.decision { metadata["decision"] = "\(decision)" }
        if reply.reason != .cacheHit { metadata["blocked_reason"] = "\(reply.reason.rawValue)" }
        logger.info("semroute.decision", metadata: metadata)
    }

    private func base(config: ClassifierConfig, requestID: String?, outcome: String, timings: StageTimings) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["route": "\(config.route)", "outcome": "\(outcome)",
                                         "latency_ms": "\(Self.rounded(timings.totalMicros / 1000))"]
        if let requestID { metadata["request.id"] = "\(String(requestID.prefix(FeedbackLedger.maxIDBytes)))" }
        return metadata
    }

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
