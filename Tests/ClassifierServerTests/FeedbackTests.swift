import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
@testable import ClassifierServer
import SemrouteTestSupport

@Suite("Feedback: POST /v1/feedback attributes ratings to the decision that served the request", .timeLimit(.minutes(10)), .uses(.cpu))
struct FeedbackTests {
    func post(_ url: String, _ body: String) async throws -> (Int, String) { try await HTTPAPITests().post(url, body) }

    @Test("a request id Envoy sent gets its decision and alias back; the rating is counted per decision and alias; unknown ids and bad bodies are refused")
    func feedbackOnServedRequest() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                for (id, prompt) in [("req-math", "Compute the integral of e^x"), ("req-other", "Write a haiku")] {
                    let answers = try await envoy.exchange([
                        Envoy.requestHeaders(extra: [("x-request-id", id)]),
                        Envoy.requestBody(json: Envoy.chat(model: "MoM", prompt)),
                    ])
                    #expect(answers.count == 2)
                }
            }
            let url = "http://127.0.0.1:\(harness.ports.http)/v1/feedback"
            let (status, body) = try await post(url, #"{"requestId":"req-math","rating":"negative","label":"wrong_model"}"#)
            #expect(status == 202, "\(body)")
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String])
            #expect(answer == ["requestId": "req-math", "decision": "math", "alias": "llm-mom.math"])
            #expect(try await post(url, #"{"requestId":"req-other","rating":"positive"}"#).0 == 202)
            let (again, againBody) = try await post(url, #"{"requestId":"req-other","rating":"negative"}"#)
            #expect(again == 409 && againBody.contains("already_rated"), "each request counts once: \(againBody)")

            let (unknown, unknownBody) = try await post(url, #"{"requestId":"never-seen","rating":"positive"}"#)
            #expect(unknown == 404 && unknownBody.contains("unknown_request"), "\(unknownBody)")
            for bad in [#"{"rating":"positive"}"#, #"{"requestId":"req-math"}"#, #"{"requestId":"req-math","rating":"great"}"#,
                        #"{"requestId":"req-math","label":"Not A Word"}"#, "[]"] {
                let (code, message) = try await post(url, bad)
                #expect(code == 400 && message.contains("invalid_request"), "\(bad): \(message)")
            }

            let metrics = String(decoding: harness.registry.emitToBuffer(), as: UTF8.self)
            #expect(metrics.contains(#"semroute_classifier_feedback_total{decision="math",alias="llm-mom.math",rating="negative",label="wrong_model"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"semroute_classifier_feedback_total{decision="default",alias="llm-mom.default",rating="positive",label="none"} 1"#), "\(metrics)")
            #expect(metrics.contains("semroute_classifier_feedback_unmatched_total 1"), "\(metrics)")
        }
    }

    @Test("the ledger forgets the oldest ids beyond its capacity and ids older than its TTL (injected clock)")
    func ledgerBounds() throws {
        let clock = ManualInstant()
        let ledger = FeedbackLedger(capacity: 3, ttl: .seconds(60), now: { clock.now })
        for i in 0..<4 { ledger.record(id: "r\(i)", decision: "d\(i)", alias: "a\(i)") }
        #expect(ledger.lookup(id: "r0") == nil, "evicted: the oldest of four in a ledger of three")
        #expect(ledger.lookup(id: "r3")?.decision == "d3")
        #expect(ledger.count == 3)
        // Slots: r3 (seq 3) in 0, r1 (seq 1) in 1, r2 (seq 2) in 2.
        ledger.record(id: "r2", decision: "again", alias: "a")   // seq 4, evicts r1 (slot 1); r2 now lives in slot 1
        #expect(ledger.lookup(id: "r1") == nil)
        ledger.record(id: "r5", decision: "d5", alias: "a5")     // seq 5, slot 2: r2's stale first record, not its newest
        #expect(ledger.lookup(id: "r2")?.decision == "again", "a newer record survives the reuse of its old slot")
        // One rating per request.
        #expect(ledger.claim(id: "r2") == .first(try #require(ledger.lookup(id: "r2"))))
        #expect(ledger.claim(id: "r2") == .alreadyRated)
        #expect(ledger.claim(id: "never") == .unknown)
        clock.advance(.seconds(61))
        #expect(ledger.lookup(id: "r5") == nil, "older than the TTL")
        ledger.record(id: String(repeating: "x", count: FeedbackLedger.maxIDBytes + 1), decision: "d", alias: "a")
        #expect(ledger.lookup(id: String(repeating: "x", count: FeedbackLedger.maxIDBytes + 1)) == nil, "over-long ids are not kept")
        // Labels are bounded.
        for i in 0..<FeedbackLedger.maxLabels { #expect(ledger.admit(label: "l\(i)") == "l\(i)") }
        #expect(ledger.admit(label: "one_too_many") == "other")
        #expect(ledger.admit(label: "l0") == "l0")
    }
}

/// A settable `ContinuousClock` instant for the ledger's TTL.
final class ManualInstant: @unchecked Sendable {
    private let lock = NSLock()
    private var offset: Duration = .zero
    private let base = ContinuousClock.now
    var now: ContinuousClock.Instant { lock.withLock { base + offset } }
    func advance(_ by: Duration) { lock.withLock { offset += by } }
}
