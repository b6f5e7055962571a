import ArgumentParser
import ClassifierConfig
import ClassifierCore
import ClassifierServer
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOPosix
import ServiceLifecycle

/// `semroute-bench extproc`: end-to-end ext_proc latency over loopback gRPC (headers → body → rewrite
/// answer, as Envoy sees it) at 32 and 128 tokens, the same request through the pipeline in-process (so
/// the difference is ext_proc's own overhead: gRPC, protobuf, stream handling), and throughput with many
/// concurrent streams. The route has an `examples` decision, so every request runs the encoder.
struct ExtProcBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "extproc", abstract: "ext_proc latency, overhead and throughput over loopback.")

    @Option(help: "Model folder (default: $SEMROUTE_MODEL_DIR or models/all-minilm-l6-v2).") var modelDir: String?
    @Option(help: "Prompt lengths in tokens, [CLS] and [SEP] included.") var tokens = "32,128"
    @Option(help: "Timed sequential streams per length.") var iterations = 300
    @Option(help: "Untimed warm-up streams per length.") var warmup = 30
    @Option(help: "Concurrent streams for the throughput line.") var concurrency = 32
    @Option(help: "Streams in the throughput run.") var throughputRequests = 2000
    @Flag(help: "Keyword-only route (no encoder): measures ext_proc around a microsecond pipeline.") var keywordOnly = false
    @Option(help: "Encoder dense-layer precision: float32 or int8.") var precision: EncoderPrecision = .float32

    func run() async throws {
        let lengths = tokens.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !lengths.isEmpty, lengths.allSatisfy({ $0 > 2 }) else { throw ValidationError("--tokens: comma-separated lengths above 2") }
        let directory = ModelLocation.resolve(explicit: modelDir)
        let encoder = try MiniLMEncoder(modelDirectory: directory, maxTokens: max(128, lengths.max() ?? 128), precision: precision)
        MiniLMEncoder.setBLASThreads(1)

        let config = ClassifierConfig(
            route: "bench/mom", models: ["MoM"],
            decisions: keywordOnly
                ? [.init(name: "math", alias: "mom.math", priority: 10, when: .init(keywords: .init(any: ["integral"])))]
                : [.init(name: "math", alias: "mom.math", priority: 10,
                         when: .init(examples: .init(utterances: ["What is the derivative of x^2?", "Solve this integral."], threshold: 0.99)))],
            defaultAlias: "mom.default")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("semroute-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let configPath = folder.appendingPathComponent("config.json").path
        try JSONEncoder().encode(config).write(to: URL(fileURLWithPath: configPath))

        var options = ClassifierServer.Options(configPath: configPath)
        options.host = "127.0.0.1"
        options.grpcPort = 0
        options.httpPort = 0
        options.metricsPort = nil
        var logger = Logger(label: "bench.extproc")
        logger.logLevel = .error
        let pipeline = try ClassifierPipeline(config: config, encoder: encoder, heads: nil)
        let server = ClassifierServer(options: options, logger: logger) { _ in pipeline }
        try server.loadConfig()
        let group = ServiceGroup(configuration: .init(services: server.services.map { .init(service: $0) }, logger: logger))

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await server.ports().grpc
            print("ext_proc over loopback gRPC, \(keywordOnly ? "keyword-only route" : "examples route (encoder on every request, \(precision.rawValue))"), 1 OpenBLAS thread")
            // The client plays Envoy, whose ext_proc client runs on its worker's event loop: keep the client's
            // tasks on NIO's loops too, so what is measured is the server, not the client's thread hops.
            try await withTaskExecutorPreference(EventLoopTaskExecutor(group: .singletonMultiThreadedEventLoopGroup)) {
            try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
                let processor = Envoy_Service_ExtProc_V3_ExternalProcessor.Client(wrapping: client)
                for length in lengths {
                    let text = try EncoderBenchmark.text(tokens: length, tokenizer: encoder.tokenizer)
                    let body = Array(try JSONSerialization.data(withJSONObject: ["model": "MoM", "messages": [["role": "user", "content": text]]]))
                    for _ in 0..<warmup { _ = try await Self.stream(processor, body: body) }
                    var endToEnd: [Double] = []
                    var direct: [Double] = []
                    for _ in 0..<iterations {
                        let start = ContinuousClock.now
                        let model = try await Self.stream(processor, body: body)
                        endToEnd.append(Measure.seconds(ContinuousClock.now - start) * 1000)
                        guard model.hasPrefix("mom.") else { throw ValidationError("unexpected answer: model \(model)") }
                        direct.append(await withTaskExecutorPreference(globalConcurrentExecutor) {
                            let directStart = ContinuousClock.now
                            _ = pipeline.processRequest(path: "/v1/chat/completions", contentType: "application/json", body: body)
                            return Measure.seconds(ContinuousClock.now - directStart) * 1000
                        })
                    }
                    endToEnd.sort()
                    direct.sort()
                    let p50 = Measure.quantile(endToEnd, 0.5), p99 = Measure.quantile(endToEnd, 0.99)
                    let d50 = Measure.quantile(direct, 0.5), d99 = Measure.quantile(direct, 0.99)
                    print(String(format: "tokens %3d  ext_proc p50 %7.3f ms  p99 %7.3f ms | pipeline alone p50 %7.3f ms  p99 %7.3f ms | overhead p50 %6.3f ms  p99 %6.3f ms  (%d streams)",
                                 length, p50, p99, d50, d99, p50 - d50, p99 - d99, iterations))
                }
                // A request that is not ours (another path on the same listener): one headers round trip, whose
                // answer's mode_override keeps its body (and response) away from the classifier.
                for _ in 0..<warmup { _ = try await Self.notOursStream(processor) }
                var notOurs: [Double] = []
                for _ in 0..<iterations {
                    let start = ContinuousClock.now
                    guard try await Self.notOursStream(processor) else { throw ValidationError("no mode_override for a request that is not ours") }
                    notOurs.append(Measure.seconds(ContinuousClock.now - start) * 1000)
                }
                notOurs.sort()
                print(String(format: "not ours (POST /api/v1/upload): request headers only  p50 %7.3f ms  p99 %7.3f ms  (%d streams)",
                             Measure.quantile(notOurs, 0.5), Measure.quantile(notOurs, 0.99), iterations))

                let text = try EncoderBenchmark.text(tokens: 32, tokenizer: encoder.tokenizer)
                let body = Array(try JSONSerialization.data(withJSONObject: ["model": "MoM", "messages": [["role": "user", "content": text]]]))
                let start = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { workers in
                    let perWorker = max(1, throughputRequests / concurrency)
                    for _ in 0..<concurrency {
                        workers.addTask {
                            for _ in 0..<perWorker { _ = try await Self.stream(processor, body: body) }
                        }
                    }
                    try await workers.waitForAll()
                }
                let seconds = Measure.seconds(ContinuousClock.now - start)
                let total = max(1, throughputRequests / concurrency) * concurrency
                print(String(format: "throughput: %d streams (32 tokens) with %d concurrent in %.2f s = %.0f requests/s",
                             total, concurrency, seconds, Double(total) / seconds))
            }
            }
            print(String(format: "peak RSS %.1f MiB", Measure.peakRSSMiB()))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// One Envoy stream for a request that is not ours: request headers, wait for the answer; true when the
    /// answer's mode_override tells Envoy not to send the body.
    static func notOursStream(_ processor: Envoy_Service_ExtProc_V3_ExternalProcessor.Client<HTTP2ClientTransport.Posix>) async throws -> Bool {
        var headers = Envoy_Service_ExtProc_V3_ProcessingRequest()
        headers.requestHeaders.headers.headers = [(":method", "POST"), (":path", "/api/v1/upload"), ("content-type", "application/octet-stream")].map {
            var header = Envoy_Config_Core_V3_HeaderValue()
            header.key = $0.0
            header.rawValue = Data($0.1.utf8)
            return header
        }
        let message = headers
        return try await processor.process(requestProducer: { writer in
            try await writer.write(message)
        }, onResponse: { response in
            var answers = response.messages.makeAsyncIterator()
            let answer = try await answers.next()
            while try await answers.next() != nil {}
            return answer?.hasModeOverride == true && answer?.modeOverride.requestBodyMode == Envoy_Extensions_Filters_Http_ExtProc_V3_ProcessingMode.BodySendMode.none
        })
    }

    /// One Envoy stream: request headers, wait, request body, wait for the rewrite; returns the new model.
    static func stream(_ processor: Envoy_Service_ExtProc_V3_ExternalProcessor.Client<HTTP2ClientTransport.Posix>,
                       body: [UInt8]) async throws -> String {
        var headers = Envoy_Service_ExtProc_V3_ProcessingRequest()
        headers.requestHeaders.headers.headers = [(":method", "POST"), (":path", "/v1/chat/completions"), ("content-type", "application/json")].map {
            var header = Envoy_Config_Core_V3_HeaderValue()
            header.key = $0.0
            header.rawValue = Data($0.1.utf8)
            return header
        }
        var bodyMessage = Envoy_Service_ExtProc_V3_ProcessingRequest()
        bodyMessage.requestBody.body = Data(body)
        bodyMessage.requestBody.endOfStream = true
        let (requests, sink) = AsyncStream.makeStream(of: Envoy_Service_ExtProc_V3_ProcessingRequest.self)
        let messages = [headers, bodyMessage]
        return try await processor.process(requestProducer: { writer in
            for await message in requests { try await writer.write(message) }
        }, onResponse: { response in
            var answers = response.messages.makeAsyncIterator()
            sink.yield(messages[0])
            _ = try await answers.next()
            sink.yield(messages[1])
            let answer = try await answers.next()
            // End the stream cleanly (half-close, then read the server's status) as Envoy does: returning
            // early would cancel every stream with RST_STREAM, which HTTP/2's rapid-reset protection
            // answers by closing the connection under load.
            sink.finish()
            while try await answers.next() != nil {}
            guard case .body(let newBody)? = answer?.requestBody.response.bodyMutation.mutation,
                  let object = try JSONSerialization.jsonObject(with: newBody) as? [String: Any] else { return "" }
            return object["model"] as? String ?? ""
        })
    }
}
