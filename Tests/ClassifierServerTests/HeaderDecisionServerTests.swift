import AsyncHTTPClient
import ClassifierConfig
import Foundation
import NIOCore
import Testing
@testable import ClassifierServer
import SemrouteTestSupport

/// `when.headers` end to end: the headers Envoy sends in `request_headers` decide the body's rewrite, and
/// `/v1/classify` tests the headers of its own POST.
@Suite("Header decisions over ext_proc and /v1/classify", .timeLimit(.minutes(10)), .uses(.cpu))
struct HeaderDecisionServerTests {
    /// Header and keyword decisions only, so no encoder is loaded (the harness has none).
    static let config = ClassifierConfig(
        route: "llm/mom", models: ["MoM"],
        decisions: [
            .init(name: "internal-sql", alias: "llm-mom.internal-sql", priority: 40,
                  when: .init(keywords: .init(any: ["sql"]),
                              headers: [.init(name: "X-Tenant", prefix: "internal-"), .init(name: "x-batch-job", absent: true)])),
            .init(name: "premium", alias: "llm-mom.premium", priority: 30,
                  when: .init(anyOf: [.init(headers: [.init(name: "x-tier", exact: "premium")]),
                                      .init(headers: [.init(name: "x-user-groups", regex: "(.*,)?ml-research(,.*)?")])])),
        ],
        defaultAlias: "llm-mom.default")

    /// Envoy's request_headers message with extra headers, each sent as its own entry (as Envoy does).
    static func requestHeaders(_ extra: [(String, String)]) -> ProcessingRequest {
        var message = Envoy.requestHeaders()
        message.requestHeaders.headers.headers += extra.map { name, value in
            var header = Envoy_Config_Core_V3_HeaderValue()
            header.key = name
            header.rawValue = Data(value.utf8)
            return header
        }
        return message
    }

    func decision(_ envoy: EnvoySide, _ prompt: String, headers: [(String, String)]) async throws -> String? {
        let answers = try await envoy.exchange([Self.requestHeaders(headers), Envoy.requestBody(json: Envoy.chat(model: "MoM", prompt))])
        return answers.last?.setBodyHeaders["x-semroute-decision"]
    }

    @Test("the headers Envoy sends in request_headers decide the rewrite of the body")
    func extProc() async throws {
        try await ClassifierServerHarness.with(config: Self.config) { harness in
            #expect(!(harness.server.store.current?.pipeline.usesEncoder ?? true))
            try await EnvoySide.with(port: harness.ports.grpc) { (envoy: EnvoySide) async throws -> Void in
                #expect(try await decision(envoy, "a sql query", headers: [("x-tenant", "internal-search")]) == "internal-sql")
                #expect(try await decision(envoy, "a sql query", headers: [("x-tenant", "internal-search"), ("x-batch-job", "1")]) == "default")
                #expect(try await decision(envoy, "a sql query", headers: [("x-tenant", "Internal-search")]) == "default", "values are case-sensitive")
                #expect(try await decision(envoy, "hello", headers: [("x-tier", "premium")]) == "premium")
                #expect(try await decision(envoy, "hello", headers: [("x-tier", "gold")]) == "default")
                #expect(try await decision(envoy, "hello", headers: [("x-user-groups", "staff"), ("x-user-groups", "ml-research")]) == "premium",
                        "a repeated header is matched as its values joined by a comma")
                #expect(try await decision(envoy, "hello", headers: []) == "default")
            }
        }
    }

    @Test("/v1/classify tests the headers of its own POST and reports which held")
    func classify() async throws {
        try await ClassifierServerHarness.with(config: Self.config) { harness in
            func post(_ headers: [(String, String)]) async throws -> [String: Any] {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(harness.ports.http)/v1/classify")
                request.method = .POST
                request.headers.add(name: "content-type", value: "application/json")
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                request.body = .bytes(ByteBuffer(string: Envoy.chat(model: "MoM", "hello")))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 1 << 20)
                #expect(response.status.code == 200)
                return try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
            }
            let premium = try await post([("X-Tier", "premium")])
            #expect(premium["decision"] as? String == "premium")
            let matches = (premium["signals"] as? [String: Any])?["headerMatches"] as? [[String: Any]]
            let forPremium = matches?.first { $0["decision"] as? String == "premium" }
            #expect(forPremium?["matched"] as? [String] == ["x-tier"])
            #expect(forPremium?["unmatched"] as? [String] == ["x-user-groups"])
            #expect(try await post([("x-tier", "free")])["decision"] as? String == "default")
        }
    }
}
