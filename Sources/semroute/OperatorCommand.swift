import ArgumentParser
import Foundation
import Logging
import OperatorApp
import SemanticRouteRender

/// `semroute operator`: the SemanticRoute controller. Every flag can also come from an environment variable
/// (the flag wins), so the Deployment manifest and the chart can set them either way; see docs/operations.md.
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Run the SemanticRoute operator against a Kubernetes API server.",
        discussion: "Environment variables: KUBECONFIG, SEMROUTE_NAMESPACES (comma-separated), SEMROUTE_LEADER_ELECT, SEMROUTE_LEADER_ELECTION_NAMESPACE, SEMROUTE_LEADER_ELECTION_NAME, SEMROUTE_HEALTH_ADDR, SEMROUTE_METRICS_ADDR, SEMROUTE_CLASSIFIER_IMAGE, SEMROUTE_CLASSIFIER_RESOURCES, SEMROUTE_CONCURRENCY, SEMROUTE_PROMETHEUS_URL, SEMROUTE_LOG_FORMAT, SEMROUTE_LOG_LEVEL."
    )

    @Option(help: "Path to a kubeconfig. (default: in a pod the in-cluster config, else $KUBECONFIG or ~/.kube/config)")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use. (default: its current-context)")
    var context: String?

    @Option(name: .customLong("namespace"), help: "Reconcile SemanticRoutes of this namespace only (repeatable; env SEMROUTE_NAMESPACES, comma-separated). (default: all namespaces)")
    var namespaces: [String] = []

    @Flag(name: .customLong("leader-elect"), inversion: .prefixedNo, help: "Elect one active instance through a coordination.k8s.io Lease (env SEMROUTE_LEADER_ELECT). (default: off)")
    var leaderElect: Bool?

    @Option(name: .customLong("leader-election-namespace"), help: "Namespace of the leader-election Lease (env SEMROUTE_LEADER_ELECTION_NAMESPACE). (default: the pod's namespace)")
    var leaseNamespace: String?

    @Option(name: .customLong("leader-election-name"), help: "Name of the leader-election Lease (env SEMROUTE_LEADER_ELECTION_NAME). (default: semroute-operator)")
    var leaseName: String?

    @Option(help: "Address of /healthz and /readyz, `[host]:port` (env SEMROUTE_HEALTH_ADDR). (default: :8081)")
    var healthAddr: String?

    @Option(help: "Address of /metrics, `[host]:port`, may equal --health-addr (env SEMROUTE_METRICS_ADDR). (default: :8080)")
    var metricsAddr: String?

    @Option(help: "Image of classifier Deployments whose route names none, pinned by tag or digest, never `latest` (env SEMROUTE_CLASSIFIER_IMAGE). (default: \(Renderer.Options.defaultClassifierImage))")
    var classifierImage: String?

    @Option(help: "Default classifier resources as JSON; a route's spec.classifier.resources wins per field (env SEMROUTE_CLASSIFIER_RESOURCES). (default: {\"requests\":{\"cpu\":\"100m\",\"memory\":\"256Mi\"}})")
    var classifierResources: String?

    @Option(help: "SemanticRoutes reconciled at the same time, 1 to 64 (env SEMROUTE_CONCURRENCY). (default: 4)")
    var concurrency: Int?

    @Option(help: "The Envoy AI Gateway release to render for: auto (read the installed AIGatewayRoute CRD at start), v1.1 or v1.2 (env SEMROUTE_AI_GATEWAY_VERSION). (default: auto)")
    var aiGatewayVersion: String?

    @Option(help: "The Prometheus HTTP API that rollouts are judged from, e.g. http://prometheus.monitoring:9090 (env SEMROUTE_PROMETHEUS_URL). (default: none: rollouts hold at their first step, paused)")
    var prometheusURL: String?

    @Option(help: "Seconds between full resyncs (a safety net; changes are seen through watches).")
    var resyncSeconds: Int = 600

    @Option(help: "Seconds SIGTERM waits for in-flight reconciles to finish.")
    var shutdownTimeoutSeconds: Int = 30

    @Option(help: "json (one object per line) or text (env SEMROUTE_LOG_FORMAT). (default: json)")
    var logFormat: LogFormat?

    @Option(help: "trace, debug, info, notice, warning, error or critical (env SEMROUTE_LOG_LEVEL). (default: info)")
    var logLevel: Logger.Level?

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let settings: OperatorSettings
        let logFormat: LogFormat, logLevel: Logger.Level
        do {
            settings = try OperatorSettings(flags: flags, environment: env)
        } catch {
            throw ValidationError(error.description)
        }
        do {
            (logFormat, logLevel) = try LogFormat.resolve(format: self.logFormat, level: self.logLevel, environment: env)
        } catch {
            throw ValidationError(error.description)
        }
        Bootstrap.logging(format: logFormat, level: logLevel)
        let registry = Bootstrap.metrics()
        let logger = Logger(label: "semroute.operator")
        let tracing = try Bootstrap.tracing(serviceName: "semroute-operator", logger: logger)
        let identity = (env["POD_NAME"] ?? ProcessInfo.processInfo.hostName) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let app = try await OperatorApp.make(settings: settings, config: try settings.kubeConfig(environment: env),
                                             identity: identity, registry: registry, logger: logger)
        try await app.run(alongside: tracing.map { [$0] } ?? [])
    }

    /// The command line as the settings read it.
    var flags: OperatorSettings.Flags {
        var f = OperatorSettings.Flags()
        f.kubeconfig = kubeconfig
        f.context = context
        f.namespaces = namespaces
        f.leaderElect = leaderElect
        f.leaseNamespace = leaseNamespace
        f.leaseName = leaseName
        f.healthAddr = healthAddr
        f.metricsAddr = metricsAddr
        f.classifierImage = classifierImage
        f.classifierResources = classifierResources
        f.concurrency = concurrency
        f.aiGatewayVersion = aiGatewayVersion
        f.prometheusURL = prometheusURL
        f.resyncSeconds = resyncSeconds
        f.shutdownTimeoutSeconds = shutdownTimeoutSeconds
        return f
    }
}
