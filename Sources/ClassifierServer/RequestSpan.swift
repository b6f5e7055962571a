import ClassifierCore
import Tracing

/// The trace of one classified request: a server span `semroute.classify` that joins the trace Envoy started,
/// and one child span per pipeline stage that ran.
///
/// The parent comes from W3C trace context (`traceparent`, `tracestate`): first from the gRPC metadata of the
/// ext_proc stream (Envoy's own span for the ext_proc call, when Envoy traces), else from the HTTP request's
/// headers (the client's or Envoy's trace). Whether the span is recorded and exported is the tracer's choice
/// (its sampler: `OTEL_TRACES_SAMPLER`, parent-based by default). With no tracer bootstrapped
/// (`NoOpTracer`) nothing is created at all.
///
/// Attributes name the route, decision, alias, domain, cache hit and block reason; never prompt text, header
/// values or secrets.
struct RequestSpan {
    private let span: any Span
    private let tracer: any Tracer

    /// Starts the request's span now, or returns nil when tracing is off.
    /// `parents` is read only when tracing is on, so a process without a tracer never looks for the headers.
    static func start(_ name: String, tracer: any Tracer, parents: @autoclosure () -> [TraceCarrier]) -> RequestSpan? {
        if tracer is NoOpTracer { return nil }
        var context = InstrumentationContext.topLevel
        // The first carrier with a well-formed parent wins; without one the span starts a trace.
        if let carrier = parents().first(where: \.isValid) {
            tracer.extract(carrier, into: &context, using: TraceCarrier.Extractor())
        }
        let span = tracer.startSpan(name, context: context, ofKind: .server, at: DefaultTracerClock.now)
        return RequestSpan(span: span, tracer: tracer)
    }

    /// The instant a pipeline run starts, for ``recordStages(_:startedAt:)``.
    static func now() -> DefaultTracerClock.Instant { DefaultTracerClock.now }

    /// One child span per stage that ran, laid end to end from `start` in the order the pipeline runs them,
    /// each as long as the stage measured. The encoder runs lazily inside safety or decision evaluation; its
    /// time is taken out of theirs and shown as its own span between them.
    func recordStages(_ timings: StageTimings, startedAt start: DefaultTracerClock.Instant) {
        guard span.isRecording else { return }
        var cursor = start.nanosecondsSinceEpoch
        for (stage, micros) in timings.stages {
            let end = cursor + UInt64(max(0, micros) * 1000)
            let child = tracer.startSpan("semroute.\(stage)", context: span.context, ofKind: .internal,
                                         at: DefaultTracerClock.Instant(nanosecondsSinceEpoch: cursor))
            child.end(at: DefaultTracerClock.Instant(nanosecondsSinceEpoch: end))
            cursor = end
        }
    }

    /// Sets one attribute (skipped when the span is not recorded, e.g. sampled out).
    func set(_ key: String, _ value: String?) {
        guard let value, span.isRecording else { return }
        span.attributes[key] = value
    }

    func set(_ key: String, _ value: Bool) {
        guard span.isRecording else { return }
        span.attributes[key] = value
    }

    /// Marks the span failed (a pipeline error, an oversized body) with a message that carries no request data.
    func fail(_ message: String) {
        span.setStatus(.init(code: .error, message: message))
    }

    func end() {
        span.end(at: DefaultTracerClock.now)
    }
}

/// Where a W3C trace context may come from: just the two headers, copied out of an Envoy header map, gRPC
/// metadata or an HTTP request.
struct TraceCarrier: Sendable {
    var traceparent: String?
    var tracestate: String?

    /// A W3C `traceparent` the tracer can use: `00-<32 hex>-<16 hex>-<2 hex>` (lower case; later versions may
    /// append fields), ids not all zero. A malformed one is skipped, so the next carrier is tried and no client
    /// can make the tracer log a parse failure per request. `tracestate` is dropped over 512 bytes (W3C allows
    /// vendors to truncate it).
    var isValid: Bool {
        guard let value = traceparent?.utf8, value.count >= 55 else { return false }
        let bytes = Array(value)
        let hex = { (b: UInt8) in (b >= 48 && b <= 57) || (b >= 97 && b <= 102) }
        guard bytes[2] == 45, bytes[35] == 45, bytes[52] == 45, bytes.count == 55 || bytes[55] == 45,
              bytes[0..<2].allSatisfy(hex), bytes[3..<35].allSatisfy(hex), bytes[36..<52].allSatisfy(hex), bytes[53..<55].allSatisfy(hex),
              !(bytes[0] == 102 && bytes[1] == 102),
              !bytes[3..<35].allSatisfy({ $0 == 48 }), !bytes[36..<52].allSatisfy({ $0 == 48 })
        else { return false }
        return bytes.count == 55 || !(bytes[0] == 48 && bytes[1] == 48)
    }

    struct Extractor: Tracing.Extractor {
        func extract(key: String, from carrier: TraceCarrier) -> String? {
            switch key.lowercased() {
            case "traceparent": carrier.traceparent
            case "tracestate": (carrier.tracestate?.utf8.count ?? 0) <= 512 ? carrier.tracestate : nil
            default: nil
            }
        }
    }
}

/// Attribute keys of the classifier's spans (documented in docs/operations.md).
enum SpanAttribute {
    static let route = "semroute.route"
    static let outcome = "semroute.outcome"
    static let decision = "semroute.decision"
    static let alias = "semroute.alias"
    static let domain = "semroute.domain"
    static let cacheHit = "semroute.cache_hit"
    static let blockedReason = "semroute.blocked_reason"
    static let passThroughReason = "semroute.pass_through_reason"
    static let decidedOn = "semroute.decided_on"
    static let experimentArm = "semroute.experiment_arm"
}
