import ArgumentParser
import ClassifierConfig
import ClassifierCore
import ClassifierServer
import Foundation
import GRPCCore
import KubeEnvtest
import GRPCNIOTransportHTTP2
import Logging
import NIOPosix
import OTel
import ServiceLifecycle
import Tracing

/// `semroute-bench tracing`: the classifier's ext_proc latency with tracing off, and with swift-otel exporting
/// over OTLP/gRPC at sampling ratios 0.01 and 1.0, side by side in one run: three servers in one process, the
/// same requests sent to each in interleaved rounds (so machine load hits all three alike), spans received by
/// hack/otlp-receiver.py (started here, or `--otlp-endpoint`).
struct TracingBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tracing",
                                                    abstract: "ext_proc latency with tracing off vs sampled at 0.01 and 1.0, side by side.")

    @Option(help: "Model folder (default: $SEMROUTE_MODEL_DIR or models/all-minilm-l6-v2).") var modelDir: String?
    @Flag(help: "Route with an examples decision (the encoder runs on every request, 32 tokens); default keyword-only.") var encoder = false
    @Option(help: "Interleaved rounds.") var rounds = 10
    @Option(help: "Timed sequential streams per variant and round.") var iterations = 200
    @Option(help: "Concurrent streams in each variant's throughput run.") var concurrency = 32
    @Option(help: "Streams per variant in the throughput run.") var throughputRequests = 4000
    @Option(help: "An OTLP/gRPC receiver; default: start hack/otlp-receiver.py on a free port.") var otlpEndpoint: String?

    struct Variant {
        var name: String
        var server: ClassifierServer
        var latencies: [Double] = []
    }

    func run() async throws {
        var logger = Logger(label: "bench.tracing")
        logger.logLevel = .error
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("semroute-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        var receiver: Process?
        let spansFile = folder.appendingPathComponent("spans.jsonl").path
        let endpoint: String
        if let otlpEndpoint {
            endpoint = otlpEndpoint
        } else {
            let port = try FreePort.allocate(1)[0]
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-u", "hack/otlp-receiver.py", "\(port)"]
            FileManager.default.createFile(atPath: spansFile, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: spansFile)
            process.standardError = FileHandle.nullDevice
            try process.run()
            receiver = process
            endpoint = "http://127.0.0.1:\(port)"
            let deadline = ContinuousClock.now + .seconds(20)
            while !((try? String(contentsOfFile: spansFile, encoding: .utf8)) ?? "").hasPrefix("listening") {
                guard ContinuousClock.now < deadline, process.isRunning else {
                    throw ValidationError("hack/otlp-receiver.py did not start: python3 -m pip install grpcio opentelemetry-proto")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { receiver?.terminate() }

        let directory = ModelLocation.resolve(explicit: modelDir)
        let textEncoder = encoder ? try MiniLMEncoder(modelDirectory: directory, maxTokens: 128, precision: .int8) : nil
        MiniLMEncoder.setBLASThreads(1)
        let config = ClassifierConfig(
            route: "bench/mom", models: ["MoM"],
            decisions: encoder
                ? [.init(name: "math", alias: "mom.math", priority: 10,
                         when: .init(examples: .init(utterances: ["What is the derivative of x^2?", "Solve this integral."], threshold: 0.99)))]
                : [.init(name: "math", alias: "mom.math", priority: 10, when: .init(keywords: .init(any: ["integral"])))],
            defaultAlias: "mom.default")
        let configPath = folder.appendingPathComponent("config.json").path
        try JSONEncoder().encode(config).write(to: URL(fileURLWithPath: configPath))
        let pipeline = try ClassifierPipeline(config: config, encoder: textEncoder, heads: nil)

        var services: [any Service] = []
        var variants: [Variant] = []
        for (name, ratio) in [("off", nil), ("ratio 0.01", 0.01), ("ratio 1.0", 1.0)] as [(String, Double?)] {
            var options = ClassifierServer.Options(configPath: configPath)
            options.host = "127.0.0.1"
            options.grpcPort = 0
            options.httpPort = 0
            options.metricsPort = nil
            if let ratio {
                var otel = OTel.Configuration.default
                otel.serviceName = "semroute-bench-\(name)"
                otel.logs.enabled = false
                otel.metrics.enabled = false
                otel.traces.exporter = .otlp
                otel.traces.otlpExporter.endpoint = endpoint
                otel.traces.otlpExporter.protocol = .grpc
                otel.traces.sampler = .parentBasedTraceIDRatio(ratio: ratio) ?? .parentBasedAlwaysOn
                otel.diagnosticLogger = .custom(logger)
                let backend = try OTel.makeTracingBackend(configuration: otel)
                options.tracer = backend.factory
                services.append(backend.service)
            } else {
                options.tracer = NoOpTracer()
            }
            let server = ClassifierServer(options: options, logger: logger) { _ in pipeline }
            try server.loadConfig()
            services += server.services
            variants.append(Variant(name: name, server: server))
        }
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
        let text = encoder ? try EncoderBenchmark.text(tokens: 32, tokenizer: textEncoder!.tokenizer) : "Compute the integral of e^x over the unit interval"
        let body = Array(try JSONSerialization.data(withJSONObject: ["model": "MoM", "messages": [["role": "user", "content": text]]]))
        var throughput: [String: Double] = [:]

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var ports: [Int] = []
            for v in variants { ports.append(try await v.server.ports().grpc) }
            print("ext_proc over loopback gRPC, \(encoder ? "examples route (encoder on every request, int8, 32 tokens)" : "keyword-only route"), spans to \(endpoint) over OTLP/gRPC")
            try await withTaskExecutorPreference(EventLoopTaskExecutor(group: .singletonMultiThreadedEventLoopGroup)) {
                for port in ports {
                    try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
                        let processor = Envoy_Service_ExtProc_V3_ExternalProcessor.Client(wrapping: client)
                        for _ in 0..<50 { _ = try await ExtProcBenchmark.stream(processor, body: body) }
                    }
                }
                for _ in 0..<rounds {
                    for index in variants.indices {
                        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: ports[index]), transportSecurity: .plaintext)) { client in
                            let processor = Envoy_Service_ExtProc_V3_ExternalProcessor.Client(wrapping: client)
                            for _ in 0..<iterations {
                                let start = ContinuousClock.now
                                let model = try await ExtProcBenchmark.stream(processor, body: body)
                                guard model.hasPrefix("mom.") else { throw ValidationError("unexpected answer: model \(model)") }
                                variants[index].latencies.append(Measure.seconds(ContinuousClock.now - start) * 1000)
                            }
                        }
                    }
                }
                for index in variants.indices {
                    try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: ports[index]), transportSecurity: .plaintext)) { client in
                        let processor = Envoy_Service_ExtProc_V3_ExternalProcessor.Client(wrapping: client)
                        let perWorker = max(1, throughputRequests / concurrency)
                        let start = ContinuousClock.now
                        try await withThrowingTaskGroup(of: Void.self) { workers in
                            for _ in 0..<concurrency {
                                workers.addTask { for _ in 0..<perWorker { _ = try await ExtProcBenchmark.stream(processor, body: body) } }
                            }
                            try await workers.waitForAll()
                        }
                        throughput[variants[index].name] = Double(perWorker * concurrency) / Measure.seconds(ContinuousClock.now - start)
                    }
                }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let base = variants[0].latencies.sorted()
        for v in variants {
            let sorted = v.latencies.sorted()
            let p50 = Measure.quantile(sorted, 0.5), p99 = Measure.quantile(sorted, 0.99)
            print(String(format: "tracing %-10@  p50 %7.3f ms (%+6.3f)  p99 %7.3f ms (%+6.3f)  | throughput %6.0f requests/s with %d concurrent  (%d timed streams)",
                         v.name as NSString, p50, p50 - Measure.quantile(base, 0.5), p99, p99 - Measure.quantile(base, 0.99),
                         throughput[v.name] ?? 0, concurrency, sorted.count))
        }
        if receiver != nil {
            // The exporters flushed on shutdown; count what the receiver got, per service.
            let lines = ((try? String(contentsOfFile: spansFile, encoding: .utf8)) ?? "").split(separator: "\n")
            for v in variants.dropFirst() {
                let roots = lines.filter { $0.contains("\"semroute-bench-\(v.name)\"") && $0.contains("\"semroute.classify\"") }.count
                print("spans received for \(v.name): \(roots) request spans")
            }
        }
        print(String(format: "peak RSS %.1f MiB", Measure.peakRSSMiB()))
    }
}
