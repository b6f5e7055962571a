import ArgumentParser
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import Logging
import Prometheus
import SemanticRouteAPI
import SemanticRouteController
import SemanticRouteRender
import ServiceLifecycle

/// `semroute operator`: the SemanticRoute controller. Every flag can also come from an environment variable
/// (the flag wins), so the Deployment manifest and the chart can set them either way; see docs/operations.md.
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Run the SemanticRoute operator against a Kubernetes API server.",
        discussion: "Environment variables: KUBECONFIG, SEMROUTE_NAMESPACES (comma-separated), SEMROUTE_LEADER_ELECT, SEMROUTE_LEADER_ELECTION_NAMESPACE, SEMROUTE_LEADER_ELECTION_NAME, SEMROUTE_HEALTH_ADDR, SEMROUTE_METRICS_ADDR, SEMROUTE_CLASSIFIER_IMAGE, SEMROUTE_CLASSIFIER_RESOURCES, SEMROUTE_CONCURRENCY, SEMROUTE_LOG_FORMAT, SEMROUTE_LOG_LEVEL."
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
        let settings = try OperatorSettings(command: self, environment: env)
        Bootstrap.logging(format: settings.logFormat, level: settings.logLevel)
        let registry = Bootstrap.metrics()
        let logger = Logger(label: "semroute.operator")

        let config = try settings.kubeconfig.map { try KubeConfig.load(explicitPath: $0, context: context) }
            ?? (env["KUBERNETES_SERVICE_HOST"] != nil && env["KUBECONFIG"] == nil
                ? try KubeConfig.inCluster() : try KubeConfig.load(context: context))
        let client = try KubeClient(config: config, logger: logger)
        do {
            try await serve(client: client, config: config, settings: settings, env: env, registry: registry, logger: logger)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func serve(client: KubeClient, config: KubeConfig, settings: OperatorSettings, env: [String: String],
                       registry: PrometheusCollectorRegistry, logger: Logger) async throws {
        let identity = (env["POD_NAME"] ?? ProcessInfo.processInfo.hostName) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let election = settings.leaderElect ? LeaderElector.Configuration(
            namespace: settings.leaseNamespace ?? config.namespace, name: settings.leaseName, identity: identity) : nil
        let op = try await SemanticRouteOperator.make(client: client, configuration: .init(
            namespaces: settings.namespaces, renderer: Renderer.Options(classifierImage: settings.classifierImage,
                                                                  classifierResources: settings.classifierResources),
            concurrency: settings.concurrency, resyncPeriod: .seconds(settings.resyncSeconds),
            drainTimeout: .seconds(settings.shutdownTimeoutSeconds), leaderElection: election), logger: logger)
        let http = OperatorHTTPServer.applications(healthAddress: settings.healthAddr, metricsAddress: settings.metricsAddr,
                                                   registry: registry, isReady: { op.isReady }, logger: logger)
        logger.info("starting", metadata: [
            "namespaces": "\(settings.namespaces.isEmpty ? "all" : settings.namespaces.joined(separator: ","))",
            "leader_elect": "\(settings.leaderElect)", "health_addr": "\(settings.healthAddr)",
            "metrics_addr": "\(settings.metricsAddr)", "classifier_image": "\(settings.classifierImage)",
        ])
        let group = ServiceGroup(configuration: .init(
            services: (http.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) })
                + op.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await op.shutdown()
            throw error
        }
        await op.shutdown()
    }
}

/// The operator's settings: flags first, then environment variables, then defaults; checked up front so a bad
/// value stops the process with a message naming the flag.
struct OperatorSettings: Sendable {
    var kubeconfig: String?
    var namespaces: [String]
    var leaderElect: Bool
    var leaseNamespace: String?
    var leaseName: String
    var healthAddr: HostPort
    var metricsAddr: HostPort
    var classifierImage: String
    var classifierResources: ClassifierSpec.Resources
    var concurrency: Int
    var resyncSeconds: Int
    var shutdownTimeoutSeconds: Int
    var logFormat: LogFormat
    var logLevel: Logger.Level

    init(command c: OperatorCommand, environment env: [String: String]) throws {
        kubeconfig = c.kubeconfig
        namespaces = c.namespaces.isEmpty
            ? (env["SEMROUTE_NAMESPACES"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            : c.namespaces
        for ns in namespaces where !DNSName.isLabel(ns) {
            throw ValidationError("--namespace \"\(ns)\": not a valid namespace name")
        }
        leaderElect = try c.leaderElect ?? Self.bool(env["SEMROUTE_LEADER_ELECT"], name: "SEMROUTE_LEADER_ELECT") ?? false
        leaseNamespace = c.leaseNamespace ?? env["SEMROUTE_LEADER_ELECTION_NAMESPACE"]
        leaseName = c.leaseName ?? env["SEMROUTE_LEADER_ELECTION_NAME"] ?? "semroute-operator"
        healthAddr = try Self.address(c.healthAddr ?? env["SEMROUTE_HEALTH_ADDR"] ?? ":8081", flag: "--health-addr")
        metricsAddr = try Self.address(c.metricsAddr ?? env["SEMROUTE_METRICS_ADDR"] ?? ":8080", flag: "--metrics-addr")
        classifierImage = c.classifierImage ?? env["SEMROUTE_CLASSIFIER_IMAGE"] ?? Renderer.Options.defaultClassifierImage
        if let problem = ImageReference.unpinnedReason(classifierImage) {
            throw ValidationError("--classifier-image \"\(classifierImage)\": \(problem)")
        }
        classifierResources = try Self.resources(c.classifierResources ?? env["SEMROUTE_CLASSIFIER_RESOURCES"])
        let concurrencyText = env["SEMROUTE_CONCURRENCY"]
        concurrency = c.concurrency ?? (concurrencyText.flatMap { Int($0) }) ?? 4
        if c.concurrency == nil, let concurrencyText, Int(concurrencyText) == nil {
            throw ValidationError("SEMROUTE_CONCURRENCY \"\(concurrencyText)\": must be a number")
        }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency \(concurrency): must be 1 to 64") }
        resyncSeconds = c.resyncSeconds
        guard resyncSeconds >= 10 else { throw ValidationError("--resync-seconds \(resyncSeconds): must be at least 10") }
        shutdownTimeoutSeconds = c.shutdownTimeoutSeconds
        guard shutdownTimeoutSeconds >= 1 else { throw ValidationError("--shutdown-timeout-seconds: must be at least 1") }
        if let format = c.logFormat { logFormat = format }
        else if let text = env["SEMROUTE_LOG_FORMAT"] {
            guard let format = LogFormat(rawValue: text) else { throw ValidationError("SEMROUTE_LOG_FORMAT \"\(text)\": must be json or text") }
            logFormat = format
        } else { logFormat = .json }
        if let level = c.logLevel { logLevel = level }
        else if let text = env["SEMROUTE_LOG_LEVEL"] {
            guard let level = Logger.Level(rawValue: text) else { throw ValidationError("SEMROUTE_LOG_LEVEL \"\(text)\": not a log level") }
            logLevel = level
        } else { logLevel = .info }
    }

    /// `--classifier-resources`: `{"requests": {...}, "limits": {...}}` with Kubernetes quantities.
    static func resources(_ text: String?) throws -> ClassifierSpec.Resources {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return Renderer.Options.defaultClassifierResources }
        do {
            let value = try JSONParser.parse(text)
            guard case .object(let object) = value, object.keys.allSatisfy({ $0 == "requests" || $0 == "limits" }) else {
                throw ValidationError("--classifier-resources: expected a JSON object with only \"requests\" and \"limits\"")
            }
            if let problem = ClassifierSpec.validateResources(value).first {
                throw ValidationError("--classifier-resources: \(problem)")
            }
            return try value.decode(ClassifierSpec.Resources.self)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("--classifier-resources: not valid resources JSON: \(error)")
        }
    }

    static func bool(_ text: String?, name: String) throws -> Bool? {
        guard let text else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no", "": return false
        default: throw ValidationError("\(name) \"\(text)\": must be true or false")
        }
    }

    static func address(_ text: String, flag: String) throws -> HostPort {
        guard let address = HostPort(text) else { throw ValidationError("\(flag) \"\(text)\": must be [host]:port") }
        return address
    }
}
