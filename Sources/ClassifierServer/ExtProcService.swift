import GRPCCore
import Logging
import Tracing

/// `envoy.service.ext_proc.v3.ExternalProcessor/Process`: one bidirectional stream per HTTP request. State
/// lives only in the stream (`ExtProcStream`), so any number of streams run concurrently.
struct ExtProcService: Envoy_Service_ExtProc_V3_ExternalProcessor.ServiceProtocol {
    let store: PipelineStore
    let options: ExtProcOptions
    let shadow: ShadowMirror?
    let metrics: ClassifierMetrics
    let logger: Logger
    var tracer: any Tracer = NoOpTracer()

    /// The stream's request metadata carries Envoy's trace context for the ext_proc call when Envoy traces.
    func process(
        request: StreamingServerRequest<Envoy_Service_ExtProc_V3_ProcessingRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<Envoy_Service_ExtProc_V3_ProcessingResponse> {
        let trace = TraceCarrier(traceparent: request.metadata[stringValues: "traceparent"].first(where: { _ in true }),
                                 tracestate: request.metadata[stringValues: "tracestate"].first(where: { _ in true }))
        return StreamingServerResponse { writer in
            try await self.process(request: request.messages, response: writer, trace: trace)
            return [:]
        }
    }

    func process(
        request: RPCAsyncSequence<Envoy_Service_ExtProc_V3_ProcessingRequest, any Error>,
        response: RPCWriter<Envoy_Service_ExtProc_V3_ProcessingResponse>,
        trace: TraceCarrier
    ) async throws {
        guard let snapshot = store.current else {
            throw RPCError(code: .unavailable, message: "the classifier has no config loaded yet")
        }
        metrics.streamOpened()
        defer { metrics.streamClosed() }
        var stream = ExtProcStream(snapshot: snapshot, options: options, shadow: shadow, metrics: metrics, logger: logger,
                                   tracer: tracer, streamTrace: trace)
        defer { stream.finish() }
        do {
            for try await message in request {
                let start = ContinuousClock.now
                let phase = ExtProcPhase(message)?.rawValue ?? "unknown"
                // The encoder and large bodies run on the global pool, never on the connection's event loop
                // (EventLoopTaskExecutor): milliseconds there would stall every stream of the loop.
                let answer = stream.runsLong(message)
                    ? try await withTaskExecutorPreference(globalConcurrentExecutor) { try stream.handle(message) }
                    : try stream.handle(message)
                let elapsed = ContinuousClock.now - start
                metrics.recordRequest(phase: phase, seconds: Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
                if let answer { try await response.write(answer) }
            }
        } catch let error as RPCError {
            throw error
        } catch {
            // The request stream failed: a message that is not a ProcessingRequest, or the transport.
            metrics.countError(kind: .stream)
            logger.debug("ext_proc stream failed", metadata: ["error": "\(error)"])
            throw RPCError(code: .invalidArgument, message: "ext_proc stream failed: \(error)")
        }
    }
}
