import ClassifierCore
import Foundation
import Hummingbird

/// The HTTP side on :8080: `POST /v1/classify` (what the pipeline would do with an OpenAI chat body, with
/// every signal, score and stage timing; `when.headers` conditions are tested against every header of the
/// POST itself, so `curl -H 'x-tier: premium'` previews a header decision; other methods get 405 with `Allow: POST`), `GET /healthz` (the process serves) and `GET /readyz` (a config is
/// loaded, so ext_proc streams will be classified).
enum ClassifierHTTPAPI {
    static func router(store: PipelineStore, maxBodyBytes: Int, metrics: ClassifierMetrics,
                       feedback: FeedbackLedger? = nil) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in
            Self.text(.ok, "ok\n")
        }
        router.get("/readyz") { _, _ in
            guard let snapshot = store.current else {
                return Self.text(.serviceUnavailable, "not ready: no config loaded\n")
            }
            return Self.text(.ok, "ready: route \(snapshot.config.route), config generation \(snapshot.generation)\n")
        }
        router.post("/v1/classify") { request, _ in
            guard let snapshot = store.current else {
                return Self.error(.serviceUnavailable, "no config loaded yet", code: "not_ready")
            }
            let start = ContinuousClock.now
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: maxBodyBytes)
            } catch {
                return Self.error(.contentTooLarge, "request body exceeds \(maxBodyBytes) bytes", code: "request_too_large")
            }
            let report: ClassificationReport
            do {
                let headers = RequestHeaders.dictionary(request.headers.map { (name: $0.name.canonicalName, value: $0.value) })
                report = try snapshot.pipeline.classify(body: [UInt8](buffer: buffer), headers: headers)
            } catch let error as ClassifyError {
                return Self.error(.badRequest, error.message, code: "invalid_request")
            } catch {
                metrics.countError(kind: .classify)
                return Self.error(.internalServerError, "classification failed: \(error)", code: "classifier_error")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard let json = try? encoder.encode(report) else {
                metrics.countError(kind: .classify)
                return Self.error(.internalServerError, "the report could not be encoded", code: "classifier_error")
            }
            let elapsed = ContinuousClock.now - start
            metrics.recordRequest(phase: "classify", seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: json)))
        }
        if let feedback {
            router.post("/v1/feedback") { request, _ in
                guard let buffer = try? await request.body.collect(upTo: FeedbackRequest.maxBytes) else {
                    return Self.error(.contentTooLarge, "feedback body exceeds \(FeedbackRequest.maxBytes) bytes", code: "request_too_large")
                }
                let parsed: FeedbackRequest
                switch Result(catching: { () throws(FeedbackRequest.Invalid) in try FeedbackRequest(json: [UInt8](buffer: buffer)) }) {
                case .success(let request): parsed = request
                case .failure(let invalid): return Self.error(.badRequest, invalid.message, code: "invalid_request")
                }
                let entry: FeedbackLedger.Entry
                switch feedback.claim(id: parsed.requestID) {
                case .first(let found):
                    entry = found
                case .alreadyRated:
                    return Self.error(.conflict, "request \(parsed.requestID) was rated already: each request counts once", code: "already_rated")
                case .unknown:
                    metrics.countFeedbackUnmatched()
                    return Self.error(.notFound, "request \(parsed.requestID) is not known to this classifier replica (served by another, or older than \(feedback.ttl))",
                                      code: "unknown_request")
                }
                let label = parsed.label.map(feedback.admit(label:)) ?? "none"
                metrics.countFeedback(decision: entry.decision, alias: entry.alias, rating: parsed.rating?.rawValue ?? "none", label: label)
                let answer: [String: String] = ["requestId": parsed.requestID, "decision": entry.decision, "alias": entry.alias]
                let json = (try? JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys])) ?? Data()
                return Response(status: .accepted, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(bytes: [UInt8](json))))
            }
        }
        // Other methods on the classify path: 405 naming the one that works, not the router's empty 404.
        for method: HTTPRequest.Method in [.get, .head, .put, .patch, .delete] {
            router.on("/v1/classify", method: method) { _, _ in
                var response = Self.error(.methodNotAllowed,
                                          "\(method.rawValue) /v1/classify is not supported: send POST /v1/classify with an OpenAI chat completions body",
                                          code: "method_not_allowed")
                response.headers[.allow] = "POST"
                return response
            }
        }
        return router
    }

    /// The metrics endpoint on its own port (:9190): the text exposition the injected closure renders.
    static func metricsRouter(exposition: @escaping @Sendable () -> [UInt8]) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: exposition())))
        }
        return router
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String, code: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: ExtProcStream.errorJSON(message: message, code: code))))
    }
}
