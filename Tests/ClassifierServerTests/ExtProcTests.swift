import ClassifierConfig
import Foundation
import GRPCCore
import Testing
@testable import ClassifierServer
import SemrouteTestSupport

@Suite("ext_proc over gRPC, Envoy's side played by a Swift client", .timeLimit(.minutes(10)), .uses(.cpu))
struct ExtProcTests {
    let mathPrompt = Envoy.chat(model: "MoM", "What is the integral of x^2 from 0 to 1?")

    @Test("rewrites our model to the decision alias: new body, decision headers, matching content-length, route cache cleared")
    func rewrite() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let answers = try await envoy.exchange([
                    Envoy.requestHeaders(), Envoy.requestBody(json: mathPrompt),
                    Envoy.responseHeaders(), Envoy.responseBody(json: #"{"choices":[]}"#),
                ])
                #expect(answers.count == 4)
                #expect(answers[0].isPlainContinue, "request headers continue untouched")
                guard case .requestBody(let body)? = answers[1].response else {
                    Issue.record("expected a request_body answer, got \(answers[1])")
                    return
                }
                #expect(body.response.status == .continue)
                #expect(body.response.clearRouteCache_p)
                let json = try #require(answers[1].newBodyJSON)
                #expect(json["model"] as? String == "llm-mom.math")
                #expect(json["reasoning_effort"] as? String == "high")
                let headers = answers[1].setBodyHeaders
                #expect(headers["x-semroute-decision"] == "math")
                guard case .body(let newBody)? = body.response.bodyMutation.mutation else { return }
                #expect(headers["content-length"] == String(newBody.count))
                #expect(body.response.headerMutation.setHeaders.allSatisfy { $0.appendAction == .overwriteIfExistsOrAdd })
                #expect(answers[2].isPlainContinue && answers[3].isPlainContinue, "response phases pass through")
            }
        }
    }

    @Test("routes an alias of the virtual model, and unmatched prompts to the default alias")
    func aliasAndDefault() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let answers = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: Envoy.chat(model: "auto", "Tell me a story about a fox."))])
                #expect(answers[1].newBodyJSON?["model"] as? String == "llm-mom.default")
                #expect(answers[1].setBodyHeaders["x-semroute-decision"] == "default")
            }
        }
    }

    @Test("passes through other models, non-chat paths, non-JSON bodies and header-only requests untouched")
    func passThrough() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let otherModel = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: Envoy.chat(model: "gpt-4o", "What is the integral of x?"))])
                #expect(otherModel.count == 2 && otherModel.allSatisfy { $0.isPlainContinue })
                let embeddings = try await envoy.exchange([Envoy.requestHeaders(path: "/v1/embeddings"), Envoy.requestBody(json: mathPrompt)])
                #expect(embeddings.count == 2 && embeddings.allSatisfy { $0.isPlainContinue })
                let notJSON = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(Array("model=MoM&q=integral".utf8))])
                #expect(notJSON.count == 2 && notJSON.allSatisfy { $0.isPlainContinue })
                let textPlain = try await envoy.exchange([Envoy.requestHeaders(contentType: "text/plain"), Envoy.requestBody(json: mathPrompt)])
                #expect(textPlain.allSatisfy { $0.isPlainContinue })
                let get = try await envoy.exchange([Envoy.requestHeaders(path: "/v1/models", contentType: nil, endOfStream: true)])
                #expect(get.count == 1 && get[0].isPlainContinue)
            }
        }
    }

    @Test("blocks a prompt carrying PII with a 403 ImmediateResponse and an OpenAI-style error body")
    func blockPII() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let answers = try await envoy.exchange([
                    Envoy.requestHeaders(),
                    Envoy.requestBody(json: Envoy.chat(model: "MoM", "Email me at jane.doe@example.com about the integral")),
                    Envoy.responseHeaders(),  // never sent: Envoy stops after an immediate response
                ])
                #expect(answers.count == 2)
                guard case .immediateResponse(let reply)? = answers[1].response else {
                    Issue.record("expected an ImmediateResponse, got \(answers[1])")
                    return
                }
                #expect(reply.status.code.rawValue == 403)
                let error = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])["error"] as? [String: Any]
                #expect(error?["code"] as? String == "pii_detected")
                #expect(!(String(decoding: reply.body, as: UTF8.self).contains("jane.doe")), "the reply does not echo the PII")
            }
            let metrics = String(decoding: harness.registry.emitToBuffer(), as: UTF8.self)
            #expect(metrics.contains(#"semroute_classifier_blocked_total{reason="pii"} 1"#))
        }
    }

    @Test("a stream that sends bytes that are not a ProcessingRequest ends with a gRPC error; the server keeps serving")
    func malformedProtobuf() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                // Field 2 (request_headers) as a length-delimited field claiming 100 bytes, followed by 3.
                let error = await envoy.sendRaw([0x12, 0x64, 0x01, 0x02, 0x03])
                #expect(error is RPCError, "the stream fails cleanly, got \(String(describing: error))")
                let answers = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: mathPrompt)])
                #expect(answers[1].newBodyJSON?["model"] as? String == "llm-mom.math")
            }
        }
    }

    @Test("a message with no phase set is a protocol error, not a crash")
    func emptyMessage() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                await #expect(throws: RPCError.self) {
                    _ = try await envoy.exchange([ProcessingRequest()])
                }
            }
        }
    }

    @Test("classifies a 10 MB body within the limit; above it passes through (failOpen) or answers 413 (failClosed); over the gRPC limit a clean error")
    func largeBodies() async throws {
        let filler = String(repeating: "lorem ipsum dolor sit amet ", count: 10_000_000 / 27)
        let big = Envoy.chat(model: "MoM", filler + " what is the derivative of x^3?")
        #expect(big.utf8.count > 10_000_000)
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let answers = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: big)])
                #expect(answers.count == 2)
                #expect(answers[1].newBodyJSON?["model"] as? String == "llm-mom.math")
            }
        }
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute(failOpen: true), configure: { $0.maxBodyBytes = 1 << 20 }) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let answers = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(Array(String(big.prefix(1_500_000)).utf8))])
                #expect(answers.count == 2 && answers[1].isPlainContinue)
                // Over the gRPC message limit (the body limit plus 1 MiB): the transport refuses the stream
                // with a gRPC error, and the server keeps serving.
                await #expect(throws: RPCError.self) {
                    _ = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(Array(String(big.prefix(3 << 20)).utf8))])
                }
                let after = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: mathPrompt)])
                #expect(after[1].newBodyJSON?["model"] as? String == "llm-mom.math")
            }
        }
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute(failOpen: false), configure: { $0.maxBodyBytes = 1 << 20 }) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let answers = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(Array(String(big.prefix(1_500_000)).utf8))])
                #expect(answers.last?.immediateResponse.status.code.rawValue == 413)
            }
        }
    }

    @Test("serves 50 concurrent streams, each answered for its own request")
    func concurrentStreams() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let models = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                    for i in 0..<50 {
                        let text = i % 2 == 0 ? "integral number \(i)" : "write python code number \(i)"
                        group.addTask {
                            let answers = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: Envoy.chat(model: "MoM", text))])
                            return (i, answers.last?.newBodyJSON?["model"] as? String)
                        }
                    }
                    var result: [Int: String?] = [:]
                    for try await (i, model) in group { result[i] = model }
                    return result
                }
                #expect(models.count == 50)
                for (i, model) in models {
                    #expect(model == (i % 2 == 0 ? "llm-mom.math" : "llm-mom.code"), "stream \(i)")
                }
            }
        }
    }

    @Test("observability mode: the server processes but sends no answers")
    func observabilityMode() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            var headers = Envoy.requestHeaders()
            headers.observabilityMode = true
            let stream = ExtProcStream(snapshot: try #require(harness.server.store.current), options: .init(), shadow: nil,
                                       metrics: harness.server.metrics, logger: harness.server.logger)
            var mutable = stream
            #expect(try mutable.handle(headers) == nil)
            #expect(mutable.path == "/v1/chat/completions")
        }
    }
}
