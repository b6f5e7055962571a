import Foundation
import GRPCCore
@testable import ClassifierServer

typealias ProcessingMode = Envoy_Extensions_Filters_Http_ExtProc_V3_ProcessingMode

/// Envoy's ext_proc filter deciding which phases of one HTTP request it sends, with the rules of Envoy's
/// ext_proc filter (envoy/extensions/filters/http/ext_proc/v3 and its docs): it starts from the configured
/// processing mode; after an answer to a headers message that carries `mode_override`, and only when
/// `allow_mode_override` is set, the override replaces the whole mode for the rest of the request (request
/// and response side); a header mode of DEFAULT means SEND; a body goes out only in a body mode other than
/// NONE (the rendered filter uses BUFFERED: the whole body in one message); an ImmediateResponse ends the
/// request. Only BUFFERED and NONE bodies are modelled: any other mode fails the test rather than guess.
struct EnvoyFilterModel {
    var mode: ProcessingMode
    var allowModeOverride: Bool

    /// What the client and the upstream send.
    struct Exchange {
        var method = "POST"
        var path = "/v1/chat/completions"
        var contentType: String? = "application/json"
        var requestBody: [UInt8]?
        var responseStatus = 200
        var responseContentType = "application/json"
        var responseBody: [UInt8] = Array(#"{"id":"chatcmpl-1","object":"chat.completion","choices":[]}"#.utf8)
    }

    /// What happened: the phases sent, in order, the classifier's answers, and the overrides it sent.
    struct Trace {
        var phases: [ExtProcPhase] = []
        var answers: [ProcessingResponse] = []
        var overrides: [ProcessingMode] = []
        var immediate: Envoy_Service_ExtProc_V3_ImmediateResponse? {
            answers.last.flatMap { if case .immediateResponse(let r)? = $0.response { r } else { nil } }
        }
    }

    struct Unmodelled: Error, CustomStringConvertible {
        var description: String
    }

    func play(_ exchange: Exchange, on envoy: EnvoySide) async throws -> Trace {
        try await envoy.conversation { send in
            var mode = self.mode
            var trace = Trace()
            func exchangeOne(_ phase: ExtProcPhase, _ message: ProcessingRequest) async throws -> Bool {
                trace.phases.append(phase)
                let answer = try await send(message)
                trace.answers.append(answer)
                if case .immediateResponse? = answer.response { return false }
                let answersHeaders = phase == .requestHeaders || phase == .responseHeaders
                if answer.hasModeOverride {
                    trace.overrides.append(answer.modeOverride)
                    if answersHeaders && allowModeOverride { mode = answer.modeOverride }
                }
                return true
            }
            func sends(_ headerMode: ProcessingMode.HeaderSendMode) -> Bool { headerMode != .skip }
            func sends(_ bodyMode: ProcessingMode.BodySendMode) throws -> Bool {
                switch bodyMode {
                case .none: return false
                case .buffered: return true
                default: throw Unmodelled(description: "body mode \(bodyMode) is not modelled")
                }
            }

            let hasBody = exchange.requestBody != nil
            if sends(mode.requestHeaderMode) {
                let headers = Envoy.requestHeaders(method: exchange.method, path: exchange.path, contentType: exchange.contentType,
                                                   endOfStream: !hasBody)
                guard try await exchangeOne(.requestHeaders, headers) else { return trace }
            }
            if let body = exchange.requestBody, try sends(mode.requestBodyMode) {
                guard try await exchangeOne(.requestBody, Envoy.requestBody(body)) else { return trace }
            }
            if sends(mode.responseHeaderMode) {
                let headers = Envoy.responseHeaders(status: exchange.responseStatus, contentType: exchange.responseContentType)
                guard try await exchangeOne(.responseHeaders, headers) else { return trace }
            }
            if try sends(mode.responseBodyMode) {
                _ = try await exchangeOne(.responseBody, Envoy.responseBody(exchange.responseBody))
            }
            return trace
        }
    }
}

extension ProcessingMode {
    /// The `processing_mode` object of a rendered ext_proc filter (protobuf JSON names and enum names).
    init(renderedJSON object: [String: Any]) throws {
        self.init()
        func header(_ key: String) throws -> HeaderSendMode {
            switch object[key] as? String {
            case nil, "DEFAULT": return .default
            case "SEND": return .send
            case "SKIP": return .skip
            case let other: throw EnvoyFilterModel.Unmodelled(description: "\(key): \(other ?? "")")
            }
        }
        func body(_ key: String) throws -> BodySendMode {
            switch object[key] as? String {
            case nil, "NONE": return .none
            case "BUFFERED": return .buffered
            case "STREAMED": return .streamed
            case let other: throw EnvoyFilterModel.Unmodelled(description: "\(key): \(other ?? "")")
            }
        }
        requestHeaderMode = try header("request_header_mode")
        responseHeaderMode = try header("response_header_mode")
        requestTrailerMode = try header("request_trailer_mode")
        responseTrailerMode = try header("response_trailer_mode")
        requestBodyMode = try body("request_body_mode")
        responseBodyMode = try body("response_body_mode")
    }
}
