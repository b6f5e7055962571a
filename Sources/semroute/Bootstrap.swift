import Logging
import Metrics
import Prometheus

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
}
