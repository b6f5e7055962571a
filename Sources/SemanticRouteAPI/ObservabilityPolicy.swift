import KubeCore

/// What the route's classifier reports beyond its Prometheus metrics: OpenTelemetry traces and a sampled
/// decision log.
public struct ObservabilityPolicy: Sendable, Hashable, Codable {
    /// OTLP span export from the classifier (rendered as the standard `OTEL_*` environment of its Deployment).
    public struct Tracing: Sendable, Hashable, Codable {
        public enum ExportProtocol: String, Sendable, Hashable, Codable, CaseIterable {
            case grpc
            case httpProtobuf = "http/protobuf"
        }

        public var endpoint: String
        public var `protocol`: ExportProtocol?
        public var samplingRatio: String?

        public init(endpoint: String, protocol: ExportProtocol? = nil, samplingRatio: String? = nil) {
            self.endpoint = endpoint
            self.protocol = `protocol`
            self.samplingRatio = samplingRatio
        }

        public static let defaultSamplingRatio = "1"
        public var effectiveProtocol: ExportProtocol { self.protocol ?? .grpc }
        public var effectiveSamplingRatio: String { samplingRatio ?? Self.defaultSamplingRatio }
    }

    /// One structured log line per sampled classified request, saying why it went where it went.
    public struct DecisionLog: Sendable, Hashable, Codable {
        public var sampleRatio: String?
        public var includePrompt: Bool?

        public init(sampleRatio: String? = nil, includePrompt: Bool? = nil) {
            self.sampleRatio = sampleRatio
            self.includePrompt = includePrompt
        }

        public static let defaultSampleRatio = "1"
        public var effectiveSampleRatio: String { sampleRatio ?? Self.defaultSampleRatio }
    }

    public var tracing: Tracing?
    public var decisionLog: DecisionLog?

    public init(tracing: Tracing? = nil, decisionLog: DecisionLog? = nil) {
        self.tracing = tracing
        self.decisionLog = decisionLog
    }

    /// A fraction from 0 to 1 as a decimal string (`"0.01"`, `"1"`): the API conventions avoid floats.
    public static let fractionPattern = #"^(0(\.[0-9]{1,6})?|1(\.0{1,6})?)$"#
    /// An OTLP endpoint: `http(s)://host[:port]`, no path (the exporter adds `/v1/traces` for OTLP/HTTP).
    public static let endpointPattern = #"^https?://[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?/?$"#

    static var schema: JSONSchema {
        .object("What the classifier reports beyond its Prometheus metrics: OpenTelemetry traces and a sampled decision log.", [
            "tracing": .object("Export the classifier's spans over OTLP: one server span per classified request, joined to the trace Envoy started (W3C `traceparent`), with a child span per pipeline stage. Rendered as the standard `OTEL_*` environment of the classifier Deployment; changing it restarts the classifier pods.",
                               required: ["endpoint"], [
                "endpoint": .string("The OTLP receiver (an OpenTelemetry Collector), `http://host:port` or `https://host:port`, e.g. `http://otel-collector.observability:4317`.",
                                    pattern: endpointPattern, minLength: 8, maxLength: 512),
                "protocol": .string("The OTLP transport: `grpc` (port 4317 by convention) or `http/protobuf` (4318).",
                                    enum: Tracing.ExportProtocol.allCases.map(\.rawValue), default: Tracing.ExportProtocol.grpc.rawValue),
                "samplingRatio": .string("The share of requests traced when the request carries no sampling decision of its own (a decimal fraction, e.g. `\"0.01\"`). A request whose `traceparent` says sampled or not sampled follows it (parent-based sampling), so the classifier's spans join exactly the traces Envoy keeps.",
                                         pattern: fractionPattern, maxLength: 8, default: Tracing.defaultSamplingRatio),
            ]),
            "decisionLog": .object("Log one structured line (`semroute.decision`, at info) per sampled classified request: request id (`x-request-id`), route, decision, alias, the signals with their scores, and latency, so a team can answer why a request went to a model. No prompt text unless `includePrompt`.", [
                "sampleRatio": .string("The share of classified requests logged (a decimal fraction, e.g. `\"0.1\"`).",
                                       pattern: fractionPattern, maxLength: 8, default: DecisionLog.defaultSampleRatio),
                "includePrompt": .boolean("Also log the text the decision was taken on (the last user message, or for a follow-up the conversation window), at most 512 characters, with PII redacted when `safety.pii.action` is Redact. Prompts can hold personal data: leave it off unless your logs may hold it.",
                                          default: false),
            ]),
        ])
    }
}
