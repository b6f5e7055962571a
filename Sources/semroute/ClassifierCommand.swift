import ArgumentParser
import ClassifierConfig
import ClassifierCore
import ClassifierServer
import Foundation
import Logging
import ServiceLifecycle

/// `semroute classifier`: the ext_proc data plane the operator deploys next to Envoy (docs/classifier.md).
struct ClassifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier",
        abstract: "Serve the classifier: Envoy ext_proc (gRPC), the classify HTTP API and metrics."
    )

    @Option(help: "The classifier config (config.json from the operator's ConfigMap); reloaded when it changes.")
    var config: String

    @Option(help: "Folder with the encoder (model.safetensors, vocab.txt). Default: $SEMROUTE_MODEL_DIR or ./models/all-minilm-l6-v2; without it only keyword and safety-pattern signals are available.")
    var modelDir: String?

    @Option(help: EncoderPrecisionOption.help)
    var encoderPrecision: EncoderPrecisionOption = .auto

    @Option(help: "Folder with the trained heads (domain.json, domain.bin). Default: $SEMROUTE_HEADS_DIR or ./heads.")
    var headsDir: String?

    @Option(help: "Address to listen on.") var host = "0.0.0.0"
    @Option(help: "Envoy ext_proc gRPC port.") var grpcPort = 50051
    @Option(help: "HTTP port: POST /v1/classify, GET /healthz, GET /readyz.") var httpPort = 8080
    @Option(help: "Prometheus /metrics port.") var metricsPort = 9190
    @Option(help: "Request bodies larger than this many bytes are not classified.") var maxBodyBytes = 16 << 20
    @Option(help: "POST /v1/feedback: request ids remembered with the decision that served them (0: feedback off).") var feedbackCapacity = 50_000
    @Option(help: "POST /v1/feedback: how long a request id is remembered, in seconds.") var feedbackTtlSeconds = 3600
    @Option(help: "Log format: json or text.") var logFormat: LogFormat = .json
    @Option(help: "Log level.") var logLevel: Logger.Level = .info

    func validate() throws {
        for (name, port) in [("--grpc-port", grpcPort), ("--http-port", httpPort), ("--metrics-port", metricsPort)]
        where !(0...65535).contains(port) {
            throw ValidationError("\(name): \(port) is not a port number (0-65535)")
        }
        guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes: must be positive") }
        guard feedbackCapacity >= 0 else { throw ValidationError("--feedback-capacity: must be 0 (off) or positive") }
        guard feedbackTtlSeconds > 0 else { throw ValidationError("--feedback-ttl-seconds: must be positive") }
    }

    func run() async throws {
        Bootstrap.logging(format: logFormat, level: logLevel)
        let registry = Bootstrap.metrics()
        let logger = Logger(label: "semroute.classifier")
        let tracing = try Bootstrap.tracing(serviceName: "semroute-classifier", logger: logger)

        let encoder = try loadEncoder(logger: logger)
        let heads = try loadHeads(logger: logger)
        var options = ClassifierServer.Options(configPath: config)
        options.host = host
        options.grpcPort = grpcPort
        options.httpPort = httpPort
        options.metricsPort = metricsPort
        options.maxBodyBytes = maxBodyBytes
        options.feedbackCapacity = feedbackCapacity
        options.feedbackTTL = .seconds(feedbackTtlSeconds)
        let server = ClassifierServer(options: options, logger: logger, metricsExposition: { registry.emitToBuffer() }) { config in
            try ClassifierPipeline(config: config, encoder: encoder, heads: heads)
        }
        do {
            try server.loadConfig()
        } catch {
            throw ValidationError("\(error)")
        }
        // The exporter starts first and stops last, so spans of the draining streams are still flushed.
        let services = (tracing.map { [$0] } ?? []) + server.services
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("classifier serving", metadata: ["grpc.port": "\(grpcPort)", "http.port": "\(httpPort)",
                                                     "metrics.port": "\(metricsPort)", "encoder": "\(encoder != nil)"])
        try await group.run()
    }

    private func loadEncoder(logger: Logger) throws -> (any TextEncoder)? {
        let directory = ModelLocation.resolve(explicit: modelDir)
        let weights = URL(fileURLWithPath: directory).appendingPathComponent("model.safetensors").path
        guard FileManager.default.fileExists(atPath: weights) else {
            if modelDir != nil { throw ValidationError("--model-dir: \(weights) does not exist (run hack/fetch-model.sh)") }
            logger.warning("no encoder: embedding-based signals unavailable", metadata: ["model.dir": "\(directory)"])
            return nil
        }
        let precision = encoderPrecision.resolved
        let encoder = try EncoderLoader.load(directory: directory, precision: precision)
        logger.info("encoder loaded", metadata: ["model.dir": "\(directory)", "encoder.precision": "\(precision.rawValue)",
                                                 "encoder.precision.requested": "\(encoderPrecision.rawValue)"])
        return encoder
    }

    private func loadHeads(logger: Logger) throws -> ClassifierHeads? {
        let directory = HeadsLocation.resolve(explicit: headsDir)
        guard FileManager.default.fileExists(atPath: URL(fileURLWithPath: directory).appendingPathComponent("domain.json").path) else {
            if headsDir != nil { throw ValidationError("--heads-dir: no domain.json in \(directory)") }
            logger.warning("no classifier heads: the domain signal is unavailable", metadata: ["heads.dir": "\(directory)"])
            return nil
        }
        return try ClassifierHeads(directory: directory)
    }
}

