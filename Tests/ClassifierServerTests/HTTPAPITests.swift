import AsyncHTTPClient
import Foundation
import GRPCCore
import NIOCore
import Testing
@testable import ClassifierServer
import SemrouteTestSupport

@Suite("HTTP API: /v1/classify, /healthz, /readyz, /metrics", .timeLimit(.minutes(10)), .uses(.cpu))
struct HTTPAPITests {
    func post(_ url: String, _ body: String) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    func get(_ url: String) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    @Test("POST /v1/classify answers with the decision, alias, signals and timings")
    func classify() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            let (status, body) = try await post("http://127.0.0.1:\(harness.ports.http)/v1/classify",
                                                Envoy.chat(model: "MoM", "Compute the integral of e^x"))
            #expect(status == 200)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            #expect(report["decision"] as? String == "math")
            #expect(report["alias"] as? String == "llm-mom.math")
            let matches = (report["signals"] as? [String: Any])?["keywordMatches"] as? [[String: Any]]
            #expect(matches?.count == 1 && matches?.first?["decision"] as? String == "math", "\(body)")
            #expect(matches?.first?["keywords"] as? [String] == ["integral"], "\(body)")
            #expect((report["timings"] as? [String: Any])?["totalMicros"] is Double)
        }
    }

    @Test("POST /v1/classify says what ext_proc does with the same body: rewrite ours, block, pass through another model or none, and why")
    func classifyMatchesExtProc() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            let cases: [(body: String, action: String, reason: String?)] = [
                (Envoy.chat(model: "MoM", "Compute the integral of e^x"), "rewrite", nil),
                (Envoy.chat(model: "gpt-4o", "Compute the integral of e^x"), "passThrough", "other_model"),
                (#"{"messages":[{"role":"user","content":"Compute the integral of e^x"}]}"#, "passThrough", "no_model"),
                (Envoy.chat(model: "MoM", "card 4111 1111 1111 1111: the integral"), "block", nil),
            ]
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                for c in cases {
                    let (status, body) = try await post("http://127.0.0.1:\(harness.ports.http)/v1/classify", c.body)
                    #expect(status == 200)
                    let report = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
                    let preview = report["extProc"] as? [String: Any]
                    #expect(preview?["action"] as? String == c.action, "\(body)")
                    #expect(preview?["reason"] as? String == c.reason, "\(body)")
                    #expect((preview?["detail"] as? String)?.isEmpty == false)
                    // ext_proc, on the same body, does what the preview says.
                    let answers = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: c.body)])
                    switch c.action {
                    case "rewrite": #expect(answers.last?.newBodyJSON?["model"] as? String == report["alias"] as? String)
                    case "block":
                        if case .immediateResponse? = answers.last?.response {} else { Issue.record("ext_proc did not block: \(answers)") }
                    default: #expect(answers.last?.isPlainContinue == true, "ext_proc touched \(c.body)")
                    }
                }
            }
        }
    }

    @Test("POST /v1/classify rejects bad JSON and a non-object body with 400 and a clear message")
    func classifyBadInput() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            let url = "http://127.0.0.1:\(harness.ports.http)/v1/classify"
            let (status, body) = try await post(url, "{not json")
            #expect(status == 400)
            #expect(body.contains("not JSON"))
            let (status2, body2) = try await post(url, "[1, 2]")
            #expect(status2 == 400)
            #expect(body2.contains("JSON object"))
        }
    }

    @Test("GET /v1/classify is 405 Method Not Allowed with Allow: POST and an OpenAI-style JSON error")
    func classifyWrongMethod() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            for method in ["GET", "PUT", "DELETE"] {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(harness.ports.http)/v1/classify")
                request.method = .init(rawValue: method)
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
                #expect(response.status.code == 405, "\(method)")
                #expect(response.headers["allow"] == ["POST"], "\(method)")
                #expect(response.headers["content-type"] == ["application/json"], "\(method)")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "\(body)")
                let error = try #require(object["error"] as? [String: Any], "\(body)")
                #expect(error["type"] as? String == "invalid_request_error")
                #expect(error["code"] as? String == "method_not_allowed")
                #expect(error["message"] as? String == "\(method) /v1/classify is not supported: send POST /v1/classify with an OpenAI chat completions body")
            }
        }
    }

    @Test("GET /healthz and /readyz answer 200 once a config is loaded")
    func health() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            #expect(try await get("http://127.0.0.1:\(harness.ports.http)/healthz").0 == 200)
            let (status, body) = try await get("http://127.0.0.1:\(harness.ports.http)/readyz")
            #expect(status == 200)
            #expect(body.contains("llm/mom"))
        }
    }

    @Test("before a config is loaded, /readyz is 503 and ext_proc streams fail with UNAVAILABLE")
    func notReady() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute(), loadConfig: false) { harness in
            let (status, body) = try await get("http://127.0.0.1:\(harness.ports.http)/readyz")
            #expect(status == 503)
            #expect(body.contains("no config"))
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                await #expect {
                    _ = try await envoy.exchange([Envoy.requestHeaders()])
                } throws: { error in
                    (error as? RPCError)?.code == .unavailable
                }
            }
        }
    }

    @Test("GET /metrics on the metrics port exposes the classifier's metric families after traffic")
    func metrics() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                _ = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: Envoy.chat(model: "MoM", "an integral"))])
                _ = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: Envoy.chat(model: "other", "x"))])
            }
            let (status, text) = try await get("http://127.0.0.1:\(try #require(harness.ports.metrics))/metrics")
            #expect(status == 200)
            for name in ["semroute_classifier_request_duration_seconds", "semroute_classifier_stage_duration_seconds",
                         "semroute_classifier_decisions_total", "semroute_classifier_pass_through_total",
                         "semroute_classifier_active_streams"] {
                #expect(text.contains(name), "missing \(name)")
            }
            #expect(text.contains(#"semroute_classifier_decisions_total{decision="math"} 1"#))
            #expect(text.contains(#"semroute_classifier_pass_through_total{reason="other_model"} 1"#))
            #expect(text.contains(#"phase="request_body""#))
        }
    }
}
