import Foundation
import Logging
import Metrics
import OTel
import Prometheus
import ServiceLifecycle
import Tracing

/// Process-wide bootstrapping, done once by the command that runs long-lived services. Libraries only take a
/// `Logger` and use the global `MetricsSystem`; they never install handlers themselves.
enum Bootstrap {
    /// Installs the structured log handler (idempotent per process: swift-log allows one bootstrap).
    static func logging(format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            StructuredLogHandler(label: label, format: format, logLevel: level)
        }
    }

    /// Installs a Prometheus-backed metrics factory and returns its registry, whose text exposition the
    /// process serves on its `/metrics` endpoint.
    static func metrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // The classifier's stages take microseconds and reconciles up to seconds: buckets from 50 µs to 10 s
        // (swift-prometheus's defaults start at 5 ms, where every classifier stage would fall in the first bucket).
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// Installs swift-otel's OTLP span exporter as the process's tracer when the standard OpenTelemetry
    /// environment asks for traces (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set,
    /// `OTEL_SDK_DISABLED` not true, `OTEL_TRACES_EXPORTER` not `none`), and returns the exporter's service to
    /// run next to the others (it flushes on graceful shutdown). Every other `OTEL_*` variable (protocol,
    /// sampler and its ratio, batch delay, headers, resource attributes) is read by swift-otel itself. Logs and
    /// metrics stay on the structured handler and Prometheus. Returns nil when tracing is off: the libraries then
    /// see `NoOpTracer` and record nothing. `serviceName` applies unless `OTEL_SERVICE_NAME` is set.
    static func tracing(serviceName: String, logger: Logger) throws -> (any Service)? {
        let environment = ProcessInfo.processInfo.environment
        guard tracingRequested(environment) else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName  // swift-otel applies OTEL_SERVICE_NAME over it
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.diagnosticLogger = .custom(logger)
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        logger.info("tracing: exporting spans over OTLP", metadata: [
            "otel.endpoint": "\(environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "")",
            "otel.protocol": "\(environment["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] ?? environment["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "http/protobuf")",
            "otel.sampler": "\(environment["OTEL_TRACES_SAMPLER"] ?? "parentbased_always_on")",
            "otel.sampler_arg": "\(environment["OTEL_TRACES_SAMPLER_ARG"] ?? "")",
        ])
        return backend.service
    }

    static func tracingRequested(_ environment: [String: String]) -> Bool {
        if environment["OTEL_SDK_DISABLED"]?.lowercased() == "true" { return false }
        if environment["OTEL_TRACES_EXPORTER"]?.lowercased() == "none" { return false }
        return [environment["OTEL_EXPORTER_OTLP_ENDPOINT"], environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]]
            .contains { !($0 ?? "").isEmpty }
    }
}
