import ClassifierConfig
import ClassifierCore
import GRPCCore
import GRPCNIOTransportHTTP2
import Hummingbird
import Logging
import Metrics
import NIOPosix
import ServiceLifecycle
import Tracing

/// `semroute classifier`: Envoy ext_proc over gRPC, the classify/health HTTP API, the metrics endpoint,
/// config reload and shadow traffic, as `Service`s for one `ServiceGroup`.
///
/// The caller (the `semroute` executable, a test, a benchmark) supplies how a config becomes a pipeline
/// (`build`: the encoder and heads are loaded once, outside) and, for the metrics endpoint, the text
/// exposition of its metrics registry; this module never bootstraps logging or metrics.
public final class ClassifierServer: Sendable {
    public struct Options: Sendable {
        /// The config file (`config.json` in the mounted ConfigMap folder).
        public var configPath: String
        public var host = "0.0.0.0"
        /// Ports; 0 picks a free one (see `ports()`).
        public var grpcPort = 50051
        public var httpPort = 8080
        /// nil: no metrics endpoint.
        public var metricsPort: Int? = 9190
        /// Request bodies larger than this are not classified (ext_proc: pass through when failOpen, else
        /// 413; /v1/classify: 413). The gRPC message limit is this plus room for the envelope.
        public var maxBodyBytes = 16 << 20
        /// How often the config file is compared with the one in force.
        public var reloadInterval: Duration = .seconds(2)
        public var shadowQueueCapacity = 256
        public var shadowMaxConcurrent = 16
        public var shadowTimeout: Duration = .seconds(10)
        /// Records one span per classified request (``RequestSpan``); nil: the process's
        /// `InstrumentationSystem.tracer` (a no-op unless the executable bootstrapped one).
        public var tracer: (any Tracer)?
        /// `POST /v1/feedback`: how many request ids (with the decision that served them) are remembered, and
        /// for how long. 0 turns feedback off.
        public var feedbackCapacity = 50_000
        public var feedbackTTL: Duration = .seconds(3600)

        public init(configPath: String) {
            self.configPath = configPath
        }
    }

    /// The ports the servers bound (useful when `Options` asked for port 0).
    public struct Ports: Sendable, Equatable {
        public var grpc: Int
        public var http: Int
        public var metrics: Int?
    }

    public typealias PipelineBuilder = @Sendable (ClassifierConfig) throws -> ClassifierPipeline

    let options: Options
    let store = PipelineStore()
    let metrics: ClassifierMetrics
    let reloader: ConfigReloader
    let shadow: ShadowMirror
    let grpc: GRPCServerService
    let http: Application<RouterResponder<BasicRequestContext>>
    let metricsHTTP: Application<RouterResponder<BasicRequestContext>>?
    private let boundHTTP = PortPromise()
    private let boundMetrics = PortPromise()
    let logger: Logger

    public init(options: Options, logger: Logger, metricsFactory: (any MetricsFactory)? = nil,
                metricsExposition: (@Sendable () -> [UInt8])? = nil, build: @escaping PipelineBuilder) {
        self.options = options
        self.logger = logger
        let metrics = ClassifierMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.metrics = metrics
        metrics.registerZeroes()
        reloader = ConfigReloader(path: options.configPath, store: store, interval: options.reloadInterval,
                                  metrics: metrics, logger: logger, build: build)
        shadow = ShadowMirror(limits: .init(queueCapacity: options.shadowQueueCapacity, maxConcurrent: options.shadowMaxConcurrent,
                                            timeout: options.shadowTimeout),
                              metrics: metrics, logger: logger)
        let tracer = options.tracer ?? InstrumentationSystem.tracer
        let feedback = options.feedbackCapacity > 0 ? FeedbackLedger(capacity: options.feedbackCapacity, ttl: options.feedbackTTL) : nil
        let service = ExtProcService(store: store, options: ExtProcOptions(maxBodyBytes: options.maxBodyBytes, feedback: feedback),
                                     shadow: shadow, metrics: metrics, logger: logger, tracer: tracer)
        var transportConfig = HTTP2ServerTransport.Posix.Config.defaults
        transportConfig.rpc.maxRequestPayloadSize = options.maxBodyBytes + (1 << 20)
        let group = MultiThreadedEventLoopGroup.singleton
        let transport = HTTP2ServerTransport.Posix(address: .ipv4(host: options.host, port: options.grpcPort),
                                                   transportSecurity: .plaintext, config: transportConfig, eventLoopGroup: group)
        grpc = GRPCServerService(server: GRPCServer(transport: transport, services: [service]), group: group, logger: logger)
        let boundHTTP = self.boundHTTP
        http = Application(router: ClassifierHTTPAPI.router(store: store, maxBodyBytes: options.maxBodyBytes, metrics: metrics,
                                                            feedback: feedback),
                           configuration: .init(address: .hostname(options.host, port: options.httpPort), serverName: "semroute-classifier"),
                           onServerRunning: { channel in await boundHTTP.fulfil(channel.localAddress?.port ?? -1) },
                           logger: logger)
        if let metricsPort = options.metricsPort {
            let boundMetrics = self.boundMetrics
            metricsHTTP = Application(router: ClassifierHTTPAPI.metricsRouter(exposition: metricsExposition ?? { [] }),
                                      configuration: .init(address: .hostname(options.host, port: metricsPort)),
                                      onServerRunning: { channel in await boundMetrics.fulfil(channel.localAddress?.port ?? -1) },
                                      logger: logger)
        } else {
            metricsHTTP = nil
        }
    }

    /// Loads the config file; throws a message naming the file and field when it is invalid.
    public func loadConfig() throws {
        try reloader.loadInitial()
    }

    /// Stops classifying with the config in force, for when its route is gone: `/v1/classify` and `/readyz`
    /// answer 503 and ext_proc streams fail with UNAVAILABLE (Envoy then fails open or closed as configured), as
    /// before the first config. A later ``loadConfig()``, or the periodic check finding the file again, serves
    /// it anew, even with the same bytes.
    public func unloadConfig() {
        reloader.unload()
    }

    /// Everything to run, in start order (shutdown runs in reverse: ext_proc drains first).
    public var services: [any Service] {
        [reloader, shadow] + (metricsHTTP.map { [$0] } ?? []) + [http, grpc]
    }

    /// Waits until every server listens, then returns the bound ports.
    public func ports() async throws -> Ports {
        let grpcAddress = try await grpc.listeningAddress
        guard let grpcPort = grpcAddress.ipv4?.port ?? grpcAddress.ipv6?.port else {
            throw RPCError(code: .internalError, message: "gRPC server bound a non-IP address: \(grpcAddress)")
        }
        let httpPort = await boundHTTP.value
        let metricsPort: Int? = metricsHTTP == nil ? nil : await boundMetrics.value
        return Ports(grpc: grpcPort, http: httpPort, metrics: metricsPort)
    }

    /// Compares the config file with the one in force and reloads it when it changed (what the periodic
    /// check runs; exposed for tests and for a SIGHUP-style trigger).
    @discardableResult
    func reloadIfChanged() -> ReloadOutcome {
        reloader.reloadIfChanged()
    }
}
