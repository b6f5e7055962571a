import ClassifierConfig
import ClassifierCore
import Foundation
import GRPCCore
import Logging
import Tracing

/// One ext_proc stream (one HTTP request through Envoy): remembers what the request headers said and the
/// cache token between phases, and turns each ProcessingRequest into the ProcessingResponse Envoy waits for.
/// It holds the pipeline snapshot taken when the stream opened, so a config reload never changes a request
/// half-way.
struct ExtProcStream {
    let snapshot: PipelineStore.Snapshot
    let options: ExtProcOptions
    let shadow: ShadowMirror?
    let metrics: ClassifierMetrics
    let logger: Logger
    /// Records the request's span (``RequestSpan``); `NoOpTracer` when tracing is off.
    let tracer: any Tracer
    /// The trace context of the ext_proc stream itself (gRPC metadata), preferred over the request's headers.
    let streamTrace: TraceCarrier

    private(set) var path: String?
    private(set) var contentType: String?
    /// The request's headers for `when.headers` and session pinning; collected only when the route uses them.
    private(set) var requestHeaders: [String: String] = [:]
    private(set) var cacheToken: CacheToken?
    private(set) var responseStatus: Int?
    /// The request's `x-request-id` (Envoy sets one on every request), for the decision log and feedback.
    private(set) var requestID: String?
    private var classified = false
    /// Set on the request headers when the request cannot be ours; its body, if Envoy sends it anyway (an
    /// Envoy that ignores mode_override), passes through uncounted.
    private var notOurs = false
    /// The open span of the request's classification, ended once the request body is answered.
    private var span: RequestSpan?

    init(snapshot: PipelineStore.Snapshot, options: ExtProcOptions, shadow: ShadowMirror?, metrics: ClassifierMetrics,
         logger: Logger, tracer: any Tracer = NoOpTracer(), streamTrace: TraceCarrier = .init()) {
        self.snapshot = snapshot
        self.options = options
        self.shadow = shadow
        self.metrics = metrics
        self.logger = logger
        self.tracer = tracer
        self.streamTrace = streamTrace
    }

    /// Ends the span if the stream closed before the request body was answered (a request without body, a
    /// client that went away).
    mutating func finish() {
        guard let open = span else { return }
        // Every answered body sets the outcome first; a span still open here lost its stream before that.
        if !classified { open.set(SpanAttribute.outcome, "abandoned") }
        open.end()
        span = nil
    }

    /// Bodies at least this large are handled off the event loop even on a keyword-only route (JSON parse,
    /// keyword and PII scans are linear in the body: about a millisecond per few hundred KiB).
    static let longBodyBytes = 64 << 10

    /// Whether answering `message` may take more than microseconds: a request body the encoder will see or a
    /// large one, or the response body that fills the semantic cache.
    func runsLong(_ message: Envoy_Service_ExtProc_V3_ProcessingRequest) -> Bool {
        switch message.request {
        case .requestBody(let body):
            !classified && (snapshot.pipeline.usesEncoder || body.body.count >= Self.longBodyBytes)
        case .responseBody(let body):
            cacheToken != nil && body.endOfStream
        default:
            false
        }
    }

    /// The answer to one message, or nil when Envoy runs the filter in observability mode (answers ignored).
    /// Throws an `RPCError` only for a message with no phase set, which no answer can match.
    mutating func handle(_ message: Envoy_Service_ExtProc_V3_ProcessingRequest) throws -> Envoy_Service_ExtProc_V3_ProcessingResponse? {
        guard let phase = ExtProcPhase(message) else {
            metrics.countError(kind: .protocolViolation)
            throw RPCError(code: .invalidArgument, message: "ProcessingRequest has no phase set (request_headers, request_body, ...)")
        }
        let response: Envoy_Service_ExtProc_V3_ProcessingResponse
        switch message.request {
        case .requestHeaders(let headers):
            path = headers.headers.value(of: ":path")
            contentType = headers.headers.value(of: "content-type")
            finish()
            requestID = headers.headers.value(of: "x-request-id")
            response = .passThrough(phase, modeOverride: requestModes(method: headers.headers.value(of: ":method")))
            // A span per request that is ours (one the classifier will read); others pass without one.
            if !notOurs {
                span = RequestSpan.start("semroute.classify", tracer: tracer, parents: [
                    streamTrace,
                    TraceCarrier(traceparent: headers.headers.value(of: "traceparent"), tracestate: headers.headers.value(of: "tracestate")),
                ])
                span?.set(SpanAttribute.route, snapshot.config.route)
                if headers.endOfStream {
                    // No body will come: nothing to classify.
                    classified = true
                    span?.set(SpanAttribute.outcome, "no_body")
                    finish()
                }
            }
            if !notOurs, snapshot.pipeline.readsHeaders { requestHeaders = headers.headers.requestHeaders }
        case .requestBody(let body):
            response = requestBody(body.body)
        case .responseHeaders(let headers):
            responseStatus = headers.headers.value(of: ":status").flatMap { Int($0) }
            // The body is wanted only to fill the cache: a 200 JSON answer to a request that got a token.
            let cacheable = cacheToken != nil
                && snapshot.pipeline.cachesResponse(status: responseStatus, contentType: headers.headers.value(of: "content-type"))
            if !cacheable { cacheToken = nil }
            response = .passThrough(phase, modeOverride: cacheable ? ExtProcModes.responseBodyForCache : ExtProcModes.responseUnseen)
        case .responseBody(let body):
            if let token = cacheToken, body.endOfStream {
                snapshot.pipeline.recordResponse(token, status: responseStatus ?? 200, body: [UInt8](body.body))
                cacheToken = nil
            }
            response = .passThrough(phase)
        case .requestTrailers, .responseTrailers, nil:
            response = .passThrough(phase)
        }
        return message.observabilityMode ? nil : response
    }

    private mutating func requestBody(_ data: Data) -> Envoy_Service_ExtProc_V3_ProcessingResponse {
        // Only the first body message is classified: in BUFFERED mode it is the whole body. A later chunk
        // (STREAMED mode) cannot be rewritten as a whole, so it passes through.
        guard !classified, !notOurs else { return .passThrough(.requestBody) }
        classified = true
        defer { finish() }
        let config = snapshot.config
        if data.count > options.maxBodyBytes {
            metrics.countError(kind: .oversized)
            span?.set(SpanAttribute.outcome, "oversized")
            span?.fail("request body over the classifier's limit")
            logger.warning("request body over the limit", metadata: ["body.bytes": "\(data.count)", "limit.bytes": "\(options.maxBodyBytes)"])
            return config.failOpen
                ? .passThrough(.requestBody)
                : .immediate(status: 413, body: Self.errorJSON(message: "request body of \(data.count) bytes exceeds the classifier's limit of \(options.maxBodyBytes) bytes", code: "request_too_large"),
                             headers: [("content-type", "application/json")], details: "semroute_body_too_large")
        }
        let body = [UInt8](data)
        let started = RequestSpan.now()
        switch snapshot.pipeline.processRequest(path: path ?? "", contentType: contentType, body: body, headers: requestHeaders) {
        case .passThrough(let reason):
            metrics.countPassThrough(reason: reason.rawValue)
            span?.set(SpanAttribute.outcome, "pass_through")
            span?.set(SpanAttribute.passThroughReason, reason.rawValue)
            return .passThrough(.requestBody)
        case .rewrite(let rewrite):
            if let span {
                span.recordStages(rewrite.timings, startedAt: started)
                span.set(SpanAttribute.outcome, "rewrite")
                span.set(SpanAttribute.decision, rewrite.decision)
                span.set(SpanAttribute.alias, rewrite.alias)
                span.set(SpanAttribute.domain, rewrite.domain)
                span.set(SpanAttribute.decidedOn, rewrite.basis.rawValue)
                span.set(SpanAttribute.experimentArm, rewrite.experiment.map { "\($0.experiment)/\($0.arm)" })
                if snapshot.pipeline.fillsCache { span.set(SpanAttribute.cacheHit, false) }
            }
            metrics.countDecision(rewrite.decision)
            DecisionLog(logger: logger, sample: options.logSample).rewrite(rewrite, config: config, requestID: requestID)
            if let requestID, let ledger = options.feedback { ledger.record(id: requestID, decision: rewrite.decision, alias: rewrite.alias) }
            if rewrite.basis != .lastTurn { metrics.countDecisionBasis(rewrite.basis.rawValue) }
            if let e = rewrite.experiment { metrics.countExperimentArm(experiment: e.experiment, arm: e.arm) }
            if snapshot.config.session != nil { metrics.recordSessionPins(snapshot.pipeline.pinnedSessions) }
            record(rewrite.timings)
            if let token = rewrite.cacheToken {
                metrics.countCache(hit: false)
                cacheToken = token
            }
            if rewrite.shadowEligible { mirror(original: body) }
            return .replaceRequestBody(rewrite.body, setHeaders: rewrite.headers.map { ($0.name, $0.value) })
        case .respond(let reply):
            record(reply.timings)
            DecisionLog(logger: logger, sample: options.logSample).reply(reply, config: config, requestID: requestID)
            if let requestID, let ledger = options.feedback {
                switch reply.reason {
                case .cacheHit: ledger.record(id: requestID, decision: reply.decision ?? "default", alias: FeedbackLedger.cacheAlias)
                case .pii, .jailbreak: ledger.record(id: requestID, decision: FeedbackLedger.blockedDecision, alias: reply.reason.rawValue)
                }
            }
            if let span {
                span.recordStages(reply.timings, startedAt: started)
                span.set(SpanAttribute.outcome, reply.reason == .cacheHit ? "cache_hit" : "blocked")
                span.set(SpanAttribute.decision, reply.decision)
                if reply.reason == .cacheHit { span.set(SpanAttribute.cacheHit, true) } else { span.set(SpanAttribute.blockedReason, reply.reason.rawValue) }
            }
            switch reply.reason {
            case .cacheHit:
                metrics.countCache(hit: true)
                if let decision = reply.decision { metrics.countDecision(decision) }
            case .pii, .jailbreak:
                metrics.countBlocked(reason: reply.reason.rawValue)
            }
            return .immediate(status: reply.status, body: reply.body, headers: reply.headers.map { ($0.name, $0.value) },
                              details: "semroute_\(reply.reason.rawValue)")
        case .failure(let failure):
            metrics.countError(kind: .pipeline)
            span?.set(SpanAttribute.outcome, "error")
            span?.fail("classification failed: \(failure.kind)")
            logger.error("classification failed", metadata: ["error.kind": "\(failure.kind)", "error": "\(failure.message)",
                                                            "fail_open": "\(config.failOpen)"])
            // failOpen: the request continues unclassified. failClosed: the client gets a typed 503 (an
            // ImmediateResponse rather than a gRPC error, so the answer does not depend on how Envoy's
            // failure_mode_allow is set).
            return config.failOpen
                ? .passThrough(.requestBody)
                : .immediate(status: 503, body: Self.errorJSON(message: "the request could not be classified", code: "classifier_error"),
                             headers: [("content-type", "application/json")], details: "semroute_classifier_error")
        }
    }

    /// The processing mode for the rest of the request, from its headers: nothing more for a request that
    /// cannot be ours; for ours, the body, and the response headers only when responses fill the cache.
    private mutating func requestModes(method: String?) -> ExtProcModes.Mode {
        let pipeline = snapshot.pipeline
        if let reason = pipeline.passThroughBeforeBody(method: method, path: path ?? "", contentType: contentType) {
            notOurs = true
            metrics.countPassThrough(reason: reason.rawValue)
            return ExtProcModes.notOurs
        }
        return pipeline.fillsCache ? ExtProcModes.oursWatchingResponse : ExtProcModes.ours
    }

    private func record(_ timings: StageTimings) {
        for (stage, micros) in timings.stages + [("total", timings.totalMicros)] { metrics.recordStage(stage, seconds: micros / 1e6) }
    }

    /// Queues a copy for the shadow backend (`shadow.percent` of matched requests), asking for its model.
    private func mirror(original body: [UInt8]) {
        guard let shadow, let target = snapshot.config.shadow, target.percent > 0,
              options.shadowSample(target.percent) else { return }
        guard var object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else { return }
        object["model"] = target.model
        guard let copy = try? JSONSerialization.data(withJSONObject: object) else {
            metrics.countError(kind: .shadow)
            return
        }
        shadow.submit(.init(url: target.url, body: [UInt8](copy)))
    }

    /// An OpenAI-style error body.
    static func errorJSON(message: String, code: String) -> [UInt8] {
        let object: [String: Any] = ["error": ["message": message, "type": "invalid_request_error", "code": code]]
        return [UInt8]((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }
}

/// Limits and policies of the ext_proc service.
struct ExtProcOptions: Sendable {
    /// Bodies larger than this are not classified (pass through when failOpen, else 413).
    var maxBodyBytes = 16 << 20
    /// Decides whether one matched request is copied, given `shadow.percent` (0...100).
    var shadowSample: @Sendable (Int) -> Bool = { percent in Int.random(in: 0..<100) < percent }
    /// Decides whether one request is written to the decision log, given its ratio (0...1).
    var logSample: @Sendable (Double) -> Bool = { ratio in ratio >= 1 || (ratio > 0 && Double.random(in: 0..<1) < ratio) }
    /// Remembers which decision served each request id, for `POST /v1/feedback`; nil: feedback is off.
    var feedback: FeedbackLedger?
}
