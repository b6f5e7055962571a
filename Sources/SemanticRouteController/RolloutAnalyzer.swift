import Foundation
import Metrics
import PrometheusQuery

/// Asks Prometheus how a rollout's step went, from Envoy AI Gateway's own request metrics.
///
/// AI Gateway (v1.1) records every request in the histogram `gen_ai_server_request_duration_seconds` with
/// `gen_ai_original_model` = the model the request asked for (after the classifier's rewrite, the decision's
/// alias), `gen_ai_request_model` = the model the chosen backend is asked for (its `modelNameOverride`, so it
/// names the backend), and `error_type` on a failed request (any non-2xx answer, or no answer). Two queries per
/// analysis, each summed over every gateway pod:
/// - requests and failures by backend model: `sum by (gen_ai_request_model, error_type) (new(..._count) or increase(..._count[W]))`
/// - the duration of successful requests: `sum by (gen_ai_request_model) (new(..._sum{error_type=""}) or increase(...[W]))`
///
/// `new(X)` is `X unless X offset W`: a series born inside the window (the candidate's first requests, its first
/// failure) counts whole, where `increase()` would lose its first sample, which is often all there is.
public struct RolloutAnalyzer: Sendable {
    public let prometheus: any PrometheusQuerying

    public init(prometheus: any PrometheusQuerying) { self.prometheus = prometheus }

    /// What one analysis needs: whose requests (the aliases the decision's traffic carries), which backend
    /// models are compared, over which window, at which time.
    public struct Subject: Sendable, Hashable {
        public var originalModels: [String]
        public var stableModel: String
        public var candidateModel: String
        public var windowSeconds: Int64
        public var at: Int64
    }

    public static let histogram = "gen_ai_server_request_duration_seconds"

    /// The two PromQL queries of one analysis.
    public static func queries(_ s: Subject) -> (requests: String, durations: String) {
        let models = s.originalModels.count == 1
            ? "gen_ai_original_model=\"\(quoted(s.originalModels[0]))\""
            : "gen_ai_original_model=~\"\(s.originalModels.map { quoted(regexLiteral($0)) }.joined(separator: "|"))\""
        func counted(_ series: String) -> String {
            "(\(series) unless \(series) offset \(s.windowSeconds)s) or increase(\(series)[\(s.windowSeconds)s])"
        }
        return ("sum by (gen_ai_request_model, error_type) (\(counted("\(histogram)_count{\(models)}")))",
                "sum by (gen_ai_request_model) (\(counted("\(histogram)_sum{\(models), error_type=\"\"}")))")
    }

    public func measure(_ s: Subject) async throws(PrometheusError) -> RolloutMeasurement {
        let (requestsQuery, durationsQuery) = Self.queries(s)
        let requests = try await counted { () async throws(PrometheusError) in try await prometheus.query(requestsQuery, at: s.at) }
        let durations = try await counted { () async throws(PrometheusError) in try await prometheus.query(durationsQuery, at: s.at) }
        return Self.measurement(requests: requests, durations: durations, subject: s)
    }

    /// Folds the two answers into a measurement. Series of other backends (fallbacks) are ignored; NaN (a
    /// counter with no samples in the window) counts as zero.
    public static func measurement(requests: [PrometheusSample], durations: [PrometheusSample], subject s: Subject) -> RolloutMeasurement {
        func value(_ sample: PrometheusSample) -> Double { sample.value.isFinite ? max(0, sample.value) : 0 }
        func of(_ model: String, _ samples: [PrometheusSample]) -> [PrometheusSample] {
            samples.filter { $0.labels["gen_ai_request_model"] == model }
        }
        func failed(_ sample: PrometheusSample) -> Bool { !(sample.labels["error_type"] ?? "").isEmpty }
        let candidate = of(s.candidateModel, requests), stable = of(s.stableModel, requests)
        let cRequests = candidate.map(value).reduce(0, +), cErrors = candidate.filter(failed).map(value).reduce(0, +)
        let sRequests = stable.map(value).reduce(0, +), sErrors = stable.filter(failed).map(value).reduce(0, +)
        func mean(_ model: String, succeeded: Double) -> Double? {
            guard succeeded > 0 else { return nil }
            return of(model, durations).map(value).reduce(0, +) / succeeded
        }
        return RolloutMeasurement(candidateRequests: cRequests, candidateErrors: cErrors, stableRequests: sRequests,
                                  candidateMeanSeconds: mean(s.candidateModel, succeeded: cRequests - cErrors),
                                  stableMeanSeconds: mean(s.stableModel, succeeded: sRequests - sErrors))
    }

    /// `semroute_rollout_prometheus_queries_total{result}`: every query the operator sends, for the cost of rollouts.
    func counted(_ run: () async throws(PrometheusError) -> [PrometheusSample]) async throws(PrometheusError) -> [PrometheusSample] {
        do {
            let samples = try await run()
            Counter(label: SemanticRouteOperator.metricsPrefix + "rollout_prometheus_queries_total", dimensions: [("result", "ok")]).increment()
            return samples
        } catch {
            Counter(label: SemanticRouteOperator.metricsPrefix + "rollout_prometheus_queries_total", dimensions: [("result", "error")]).increment()
            throw error
        }
    }

    /// A PromQL double-quoted string's body.
    static func quoted(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// A literal inside an RE2 regular expression: punctuation escaped with a backslash.
    static func regexLiteral(_ text: String) -> String {
        var out = ""
        for c in text {
            if c.isASCII, c.isPunctuation || c.isSymbol { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
