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
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
