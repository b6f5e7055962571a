import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
@testable import ClassifierServer

typealias ProcessingRequest = Envoy_Service_ExtProc_V3_ProcessingRequest
typealias ProcessingResponse = Envoy_Service_ExtProc_V3_ProcessingResponse

/// Plays Envoy's side of ext_proc streams against a server over real gRPC: sends one phase, waits for the
/// answer, sends the next (as Envoy's filter does), and stops after an ImmediateResponse.
struct EnvoySide {
    let client: GRPCClient<HTTP2ClientTransport.Posix>

    static let callOptions: CallOptions = {
        var options = CallOptions.defaults
        options.maxRequestMessageBytes = 64 << 20
        options.maxResponseMessageBytes = 64 << 20
        return options
    }()

    /// Connects to `port` on loopback for the duration of `body`.
    static func with<T: Sendable>(port: Int, _ body: (EnvoySide) async throws -> T) async throws -> T {
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
            try await body(EnvoySide(client: client))
        }
    }

    /// One HTTP request's stream: each message in order, waiting for the server's answer to each.
    func exchange(_ messages: [ProcessingRequest],
                  afterAnswer: @escaping @Sendable (Int) async throws -> Void = { _ in }) async throws -> [ProcessingResponse] {
        let (requests, sink) = AsyncStream.makeStream(of: ProcessingRequest.self)
        let processor = Envoy_Service_ExtProc_V3_ExternalProcessor.Client(wrapping: client)
        return try await processor.process(options: Self.callOptions, requestProducer: { writer in
            for await message in requests { try await writer.write(message) }
        }, onResponse: { response in
            var answers: [ProcessingResponse] = []
            var iterator = response.messages.makeAsyncIterator()
            for message in messages {
                sink.yield(message)
                guard let answer = try await iterator.next() else { break }
                answers.append(answer)
                try await afterAnswer(answers.count - 1)
                if case .immediateResponse = answer.response { break }
            }
            sink.finish()
            // Half-close and read to the server's status, so the stream ends cleanly rather than cancelled.
            while try await iterator.next() != nil {}
            return answers
        })
    }

    /// One HTTP request's stream driven step by step: `body` sends a message and gets its answer, deciding
    /// what to send next from the answers (as ``EnvoyFilterModel`` does with mode overrides).
    func conversation<T: Sendable>(
        _ body: @escaping @Sendable (_ send: (ProcessingRequest) async throws -> ProcessingResponse) async throws -> T
    ) async throws -> T {
        let (requests, sink) = AsyncStream.makeStream(of: ProcessingRequest.self)
        let processor = Envoy_Service_ExtProc_V3_ExternalProcessor.Client(wrapping: client)
        return try await processor.process(options: Self.callOptions, requestProducer: { writer in
            for await message in requests { try await writer.write(message) }
        }, onResponse: { response in
            var iterator = response.messages.makeAsyncIterator()
            let result: T
            do {
                result = try await body { message in
                    sink.yield(message)
                    guard let answer = try await iterator.next() else {
                        throw RPCError(code: .internalError, message: "the stream ended without an answer to \(message)")
                    }
                    return answer
                }
            } catch {
                sink.finish()
                throw error
            }
            sink.finish()
            while try await iterator.next() != nil {}
            return result
        })
    }

    /// Sends raw bytes as one message of the Process method: what a peer sending a non-ProcessingRequest
    /// looks like to the server. Returns the error the stream ended with, if any.
    func sendRaw(_ bytes: [UInt8]) async -> (any Error)? {
        do {
            try await client.bidirectionalStreaming(
                request: StreamingClientRequest<[UInt8]>(producer: { writer in try await writer.write(bytes) }),
                descriptor: Envoy_Service_ExtProc_V3_ExternalProcessor.Method.Process.descriptor,
                serializer: RawBytes(), deserializer: RawBytes(), options: .defaults
            ) { response in
                for try await _ in response.messages {}
            }
            return nil
        } catch {
            return error
        }
    }

    struct RawBytes: MessageSerializer, MessageDeserializer {
        func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
        func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
            serializedMessageBytes.withUnsafeBytes { [UInt8]($0) }
        }
    }
}

/// Builders for the messages Envoy sends.
enum Envoy {
    static func requestHeaders(method: String = "POST", path: String = "/v1/chat/completions",
                               contentType: String? = "application/json", endOfStream: Bool = false,
                               extra: [(String, String)] = []) -> ProcessingRequest {
        var message = ProcessingRequest()
        var headers = Envoy_Service_ExtProc_V3_HttpHeaders()
        var pairs = [(":method", method), (":path", path), (":authority", "llm.example.com")]
        if let contentType { pairs.append(("content-type", contentType)) }
        pairs += extra
        headers.headers.headers = pairs.map { name, value in
            var header = Envoy_Config_Core_V3_HeaderValue()
            header.key = name
            header.rawValue = Data(value.utf8)  // as Envoy sends them
            return header
        }
        headers.endOfStream = endOfStream
        message.requestHeaders = headers
        return message
    }

    static func requestBody(_ body: [UInt8]) -> ProcessingRequest {
        var message = ProcessingRequest()
        message.requestBody.body = Data(body)
        message.requestBody.endOfStream = true
        return message
    }

    static func requestBody(json: String) -> ProcessingRequest { requestBody(Array(json.utf8)) }

    static func responseHeaders(status: Int = 200, contentType: String? = nil) -> ProcessingRequest {
        var message = ProcessingRequest()
        let pairs = [(":status", String(status))] + (contentType.map { [("content-type", $0)] } ?? [])
        message.responseHeaders.headers.headers = pairs.map { name, value in
            var header = Envoy_Config_Core_V3_HeaderValue()
            header.key = name
            header.rawValue = Data(value.utf8)
            return header
        }
        return message
    }

    static func responseBody(_ body: [UInt8]) -> ProcessingRequest {
        var message = ProcessingRequest()
        message.responseBody.body = Data(body)
        message.responseBody.endOfStream = true
        return message
    }

    static func responseBody(json: String) -> ProcessingRequest { responseBody(Array(json.utf8)) }

    static func chat(model: String, _ text: String) -> String {
        let object: [String: Any] = ["model": model, "messages": [["role": "user", "content": text]]]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}

extension ProcessingResponse {
    /// The headers a body response sets, by name.
    var setBodyHeaders: [String: String] {
        var result: [String: String] = [:]
        for option in requestBody.response.headerMutation.setHeaders {
            result[option.header.key] = option.header.rawValue.isEmpty ? option.header.value : String(decoding: option.header.rawValue, as: UTF8.self)
        }
        return result
    }

    var newBodyJSON: [String: Any]? {
        guard case .body(let body)? = requestBody.response.bodyMutation.mutation else { return nil }
        return try? JSONSerialization.jsonObject(with: body) as? [String: Any]
    }

    /// True for a CONTINUE with no header or body mutation (what pass-through looks like to Envoy).
    var isPlainContinue: Bool {
        let common: Envoy_Service_ExtProc_V3_CommonResponse
        switch response {
        case .requestHeaders(let r): common = r.response
        case .responseHeaders(let r): common = r.response
        case .requestBody(let r): common = r.response
        case .responseBody(let r): common = r.response
        default: return false
        }
        return common.status == .continue && !common.hasHeaderMutation && !common.hasBodyMutation && !common.clearRouteCache_p
    }
}
