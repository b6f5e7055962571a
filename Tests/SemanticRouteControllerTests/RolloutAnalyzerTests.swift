@testable import PrometheusQuery
@testable import SemanticRouteController
import Testing

/// The PromQL an analysis sends, how the answers become a measurement, and how Prometheus API answers are read.
@Suite("Rollout analysis queries", .timeLimit(.minutes(2)))
struct RolloutAnalyzerTests {
    static let subject = RolloutAnalyzer.Subject(originalModels: ["mom.math"], stableModel: "Qwen/Qwen2.5-7B-Instruct",
                                                 candidateModel: "Qwen/Qwen3-8B", windowSeconds: 300, at: 1_796_000_000)

    @Test("two queries over AI Gateway's request-duration histogram, by backend model, for the decision's alias; the default decision also takes the virtual model")
    func queries() {
        let (requests, durations) = RolloutAnalyzer.queries(Self.subject)
        let count = #"gen_ai_server_request_duration_seconds_count{gen_ai_original_model="mom.math"}"#
        #expect(requests == "sum by (gen_ai_request_model, error_type) ((\(count) unless \(count) offset 300s) or increase(\(count)[300s]))")
        let sum = #"gen_ai_server_request_duration_seconds_sum{gen_ai_original_model="mom.math", error_type=""}"#
        #expect(durations == "sum by (gen_ai_request_model) ((\(sum) unless \(sum) offset 300s) or increase(\(sum)[300s]))")
        var subject = Self.subject
        subject.originalModels = ["mom.default", "MoM", "a+b"]
        #expect(RolloutAnalyzer.queries(subject).requests.contains(#"gen_ai_original_model=~"mom\\.default|MoM|a\\+b""#))
    }

    @Test("the answers fold into counts per backend model, failures by error_type, mean duration of successful requests; other backends and NaN are ignored")
    func measurement() {
        let m = RolloutAnalyzer.measurement(requests: [
            .init(labels: ["gen_ai_request_model": "Qwen/Qwen3-8B"], value: 90),
            .init(labels: ["gen_ai_request_model": "Qwen/Qwen3-8B", "error_type": "_OTHER"], value: 10),
            .init(labels: ["gen_ai_request_model": "Qwen/Qwen2.5-7B-Instruct"], value: 400),
            .init(labels: ["gen_ai_request_model": "Qwen/Qwen2.5-7B-Instruct", "error_type": "_OTHER"], value: .nan),
            .init(labels: ["gen_ai_request_model": "fallback"], value: 1000),
        ], durations: [
            .init(labels: ["gen_ai_request_model": "Qwen/Qwen3-8B"], value: 180),
            .init(labels: ["gen_ai_request_model": "Qwen/Qwen2.5-7B-Instruct"], value: 400),
        ], subject: Self.subject)
        #expect(m.candidateRequests == 100 && m.candidateErrors == 10 && m.stableRequests == 400)
        #expect(m.candidateMeanSeconds == 2 && m.stableMeanSeconds == 1 && m.latencyRatio == 2)
        let empty = RolloutAnalyzer.measurement(requests: [], durations: [], subject: Self.subject)
        #expect(empty.candidateRequests == 0 && empty.latencyRatio == nil)
    }

    @Test("Prometheus API answers: vectors, scalars, errors with their type, non-JSON bodies")
    func decode() throws {
        let vector = #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"gen_ai_request_model":"m"},"value":[1796000000.5,"12.5"]},{"metric":{},"value":[1,"NaN"]}]}}"#
        let samples = try PrometheusClient.decode(Array(vector.utf8), status: 200)
        #expect(samples.count == 2 && samples[0].labels == ["gen_ai_request_model": "m"] && samples[0].value == 12.5 && samples[1].value.isNaN)
        let scalar = #"{"status":"success","data":{"resultType":"scalar","result":[1,"3"]}}"#
        #expect(try PrometheusClient.decode(Array(scalar.utf8), status: 200).first?.value == 3)
        let bad = #"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#
        #expect(throws: PrometheusError("HTTP 400, bad_data: parse error at char 5")) { try PrometheusClient.decode(Array(bad.utf8), status: 400) }
        #expect(throws: PrometheusError.self) { try PrometheusClient.decode(Array("<html>".utf8), status: 502) }
        let matrix = #"{"status":"success","data":{"resultType":"matrix","result":[]}}"#
        #expect(throws: PrometheusError("expected an instant vector, got matrix")) { try PrometheusClient.decode(Array(matrix.utf8), status: 200) }
        #expect(PrometheusClient.escaped(#"sum(x{a="b c"}[5m])"#) == "sum%28x%7Ba%3D%22b%20c%22%7D%5B5m%5D%29")
    }
}
