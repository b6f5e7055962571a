import ArgumentParser
import ClassifierCore
import ClassifierServer
import Foundation
import KubeClient
import KubeCore
import KubeLocal
import KubeRuntime
import KubeSimulation
import Logging
import PrometheusQuery
import Prometheus
import SemanticRouteAPI
import SemanticRouteController
import SemanticRouteRender
import ServiceLifecycle

/// `semroute dev`: everything on one machine, in one foreground process — the local API server (KubeLocal)
/// with the SemanticRoute CRD and the upstream CRDs, the operator, a Deployment-status simulation, and one
/// classifier on localhost serving the sample route's config. Ctrl-C stops it; `--data-dir` keeps the
/// objects for the next start. README.md's tour walks through it.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run a local API server, the operator and a classifier in one process (try semroute without a cluster).",
        discussion: """
            Writes a kubeconfig for kubectl, applies manifests/dev (a sample SemanticRoute and dev placeholders for \
            what it references) on the first start, and prints what to try next. Deployments get a simulated \
            status (no pods run). Without --upstream-crds, the AI Gateway / Envoy Gateway / Gateway API kinds are \
            stand-ins that accept any object (schemas not enforced).
            """
    )

    @Option(help: "API server port (0: any free port).") var port = 6443
    @Option(help: "Address the API server and the classifier listen on.") var host = "127.0.0.1"
    @Option(help: "Keeps the API server's objects across restarts.") var dataDir = ".semroute/data"
    @Option(help: "Where to write the kubeconfig for kubectl.") var kubeconfigOut = ".semroute/kubeconfig"
    @Option(help: "Folder of upstream CRD YAML files (AI Gateway, Envoy Gateway, Gateway API). Default: permissive stand-ins.")
    var upstreamCrds: String?
    @Flag(help: "Do not apply the sample route (manifests/dev).") var noSample = false
    @Option(help: "The route whose config the classifier serves, namespace/name. Default: the sample (llm/mom), or the first route seen with --no-sample.")
    var classifierRoute: String?
    @Option(help: "Classifier HTTP port (POST /v1/classify; 0: any free port).") var classifierHttpPort = 8080
    @Option(help: "Classifier ext_proc gRPC port (0: any free port).") var classifierGrpcPort = 50051
    @Option(help: "Metrics port: /metrics of the classifier and the operator, served once the classifier starts (0: any free port).") var metricsPort = 9190
    @Option(help: "Folder with the encoder (model.safetensors, vocab.txt). Default: $SEMROUTE_MODEL_DIR or ./models/all-minilm-l6-v2 (hack/fetch-model.sh).")
    var modelDir: String?
    @Option(help: EncoderPrecisionOption.help)
    var encoderPrecision: EncoderPrecisionOption = .auto
    @Option(help: "Folder with the trained classifier heads. Default: $SEMROUTE_HEADS_DIR or ./heads.") var headsDir: String?
    @Option(help: "The Prometheus HTTP API that rollouts (spec.rollouts) are judged from, as `semroute operator --prometheus-url`. Default: none (rollouts hold at their first step, paused).")
    var prometheusURL: String?
    @Option(help: "Log level of the components (logs go to stderr; the API server's own logs only at debug or trace).")
    var logLevel: Logger.Level = .warning

    func validate() throws {
        for (name, value) in [("--port", port), ("--classifier-http-port", classifierHttpPort),
                              ("--classifier-grpc-port", classifierGrpcPort), ("--metrics-port", metricsPort)]
        where !(0...65535).contains(value) {
            throw ValidationError("\(name): \(value) is not a port number (0-65535)")
        }
        if let classifierRoute, Self.routeLabel(classifierRoute) == nil {
            throw ValidationError("--classifier-route \"\(classifierRoute)\": must be namespace/name")
        }
        if let upstreamCrds, !FileManager.default.fileExists(atPath: upstreamCrds) {
            throw ValidationError("--upstream-crds: \(upstreamCrds) does not exist")
        }
    }

    /// `namespace/name` → the route label value `namespace.name`.
    static func routeLabel(_ text: String) -> String? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, DNSName.isLabel(String(parts[0])), DNSName.isSubdomain(String(parts[1])) else { return nil }
        return RouteLabels.routeValue(namespace: String(parts[0]), name: String(parts[1]))
    }

    func run() async throws {
        Bootstrap.logging(format: .text, level: logLevel)
        let registry = Bootstrap.metrics()
        let logger = Logger(label: "semroute.dev")
        // The OTEL_* environment, as in `semroute operator` and `semroute classifier`: reconcile and request spans.
        let tracing = try Bootstrap.tracing(serviceName: "semroute-dev", logger: logger)
        // KubeLocal stops by cancelling its HTTP server, which logs the cancellation as an error on every
        // Ctrl-C; its own logs show only with --log-level debug or trace.
        var apiServerLogger = Logger(label: "semroute.dev.apiserver")
        if logLevel > .debug { apiServerLogger.logLevel = .critical }

        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        DevConsole.say("starting the local API server (objects kept in \(dataDir))")
        let server: LocalAPIServer
        do {
            server = try await LocalAPIServer.start(.init(port: port, host: host, dataDirectory: dataDir, logger: apiServerLogger))
        } catch {
            throw ValidationError("cannot start the API server on \(host):\(port): \(error) (another `semroute dev` running? try --port 0)")
        }
        DevConsole.say("API server listening on \(server.baseURL)")
        let client: KubeClient
        do {
            try await registerCRDs(server)
            try writeKubeconfig(server: server)
            DevConsole.say("wrote \(kubeconfigOut) (kubectl --kubeconfig \(kubeconfigOut) ...)")
            client = try KubeClient(config: KubeConfig(server: URL(string: server.baseURL)!), logger: logger)
        } catch {
            await server.stop()
            throw error
        }
        do {
            try await runServices(server: server, client: client, registry: registry, tracing: tracing, logger: logger)
        } catch {
            try? await client.shutdown()
            await server.stop()
            throw error
        }
        try? await client.shutdown()
        await server.stop()
        DevConsole.say("stopped; objects saved in \(dataDir)")
    }

    private func registerCRDs(_ server: LocalAPIServer) async throws {
        try await server.registerCRD(SemanticRouteCRD.json)
        if let upstreamCrds {
            try await server.registerCRDs(fromDirectory: upstreamCrds)
            DevConsole.say("registered the SemanticRoute CRD and the upstream CRDs from \(upstreamCrds)")
        } else {
            for crd in DevStandInCRDs.all { try await server.registerCRD(crd) }
            DevConsole.say("WARNING: no --upstream-crds given: AI Gateway, Envoy Gateway and Gateway API kinds are permissive stand-ins; their schemas are NOT enforced")
        }
    }

    private func writeKubeconfig(server: LocalAPIServer) throws {
        let directory = (kubeconfigOut as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let text = server.kubeconfig(name: "semroute-dev", namespace: "llm",
                                     comment: "Written by `semroute dev`: its local API server (no authentication; localhost only).")
        try text.write(toFile: kubeconfigOut, atomically: true, encoding: .utf8)
    }

    private func runServices(server: LocalAPIServer, client: KubeClient, registry: PrometheusCollectorRegistry, tracing: (any Service)?,
                             logger: Logger) async throws {
        let (encoder, heads) = try loadModels()
        let sampleRoute = noSample ? nil : try await DevSample.apply(client: client, dataDir: dataDir)
        let preferred = classifierRoute.flatMap(Self.routeLabel) ?? sampleRoute

        var configuration = SemanticRouteOperator.Configuration()
        configuration.prometheus = prometheusURL.map { PrometheusClient(baseURL: $0) }
        let op = try await SemanticRouteOperator.make(client: client, configuration: configuration, logger: logger)
        let simulator = WorkloadSimulator(client: client, logger: logger)
        let groupHandle = DevOnce<ServiceGroup>()
        let (host, httpPort, grpcPort, metricsPort) = (self.host, classifierHttpPort, classifierGrpcPort, self.metricsPort)
        let classifier = DevClassifier(
            client: client, configPath: (dataDir as NSString).appendingPathComponent("classifier/config.json"),
            preferredRoute: preferred, group: groupHandle, logger: logger
        ) { path in
            var options = ClassifierServer.Options(configPath: path)
            options.host = host
            options.httpPort = httpPort
            options.grpcPort = grpcPort
            options.metricsPort = metricsPort
            options.reloadInterval = .milliseconds(250)  // a small local file: edits show up at once
            return ClassifierServer(options: options, logger: logger, metricsExposition: { registry.emitToBuffer() }) { config in
                try ClassifierPipeline(config: config, encoder: encoder, heads: heads)
            }
        }
        let reporter = DevReadyReporter(routeOperator: op, classifier: classifier, expectRoute: preferred != nil,
                                        kubeconfig: kubeconfigOut, apiServer: server.baseURL, host: host)
        let services: [ServiceGroupConfiguration.ServiceConfiguration] =
            ((tracing.map { [$0] } ?? []) + op.services + simulator.services + classifier.services).map { .init(service: $0) }
            + [.init(service: reporter, successTerminationBehavior: .ignore)]
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigint, .sigterm],
                                                      logger: logger))
        groupHandle.set(group)
        DevConsole.say("starting the operator, the Deployment simulation and the classifier (Ctrl-C stops everything)")
        do {
            try await group.run()
        } catch {
            await op.shutdown()
            throw error
        }
        await op.shutdown()
    }

    private func loadModels() throws -> ((any TextEncoder)?, ClassifierHeads?) {
        let directory = ModelLocation.resolve(explicit: modelDir)
        let weights = (directory as NSString).appendingPathComponent("model.safetensors")
        var encoder: (any TextEncoder)?
        if FileManager.default.fileExists(atPath: weights) {
            DevConsole.say("loading the sentence encoder from \(directory) (\(encoderPrecision.resolved.rawValue))")
            encoder = try EncoderLoader.load(directory: directory, precision: encoderPrecision.resolved)
        } else if modelDir != nil {
            throw ValidationError("--model-dir: \(weights) does not exist (run hack/fetch-model.sh)")
        } else {
            DevConsole.say("WARNING: no encoder at \(directory) (run hack/fetch-model.sh): routes using examples, domains or the cache cannot be classified")
        }
        let headsDirectory = HeadsLocation.resolve(explicit: headsDir)
        var heads: ClassifierHeads?
        if FileManager.default.fileExists(atPath: (headsDirectory as NSString).appendingPathComponent("domain.json")) {
            heads = try ClassifierHeads(directory: headsDirectory)
        } else if headsDir != nil {
            throw ValidationError("--heads-dir: no domain.json in \(headsDirectory)")
        }
        return (encoder, heads)
    }
}
