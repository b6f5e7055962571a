import ClassifierConfig
import ClassifierCore
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
@testable import ClassifierServer

/// Starts a real `ClassifierServer` on ephemeral loopback ports with a config file in a fresh temporary
/// folder, runs `body`, then shuts the servers down gracefully.
struct ClassifierServerHarness {
    let server: ClassifierServer
    let ports: ClassifierServer.Ports
    let configPath: String
    let registry: PrometheusCollectorRegistry

    /// Replaces the config file the way kubelet updates a ConfigMap volume: a new folder, then an atomic
    /// swap of the `..data` symlink that `config.json` resolves through.
    func swapConfig(_ config: ClassifierConfig) throws {
        try Self.writeConfigMapVolume(folder: URL(fileURLWithPath: configPath).deletingLastPathComponent().path,
                                      contents: Self.encode(config))
    }

    func swapConfig(raw: String) throws {
        try Self.writeConfigMapVolume(folder: URL(fileURLWithPath: configPath).deletingLastPathComponent().path,
                                      contents: Data(raw.utf8))
    }

    static func encode(_ config: ClassifierConfig) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(config)
    }

    static func writeConfigMapVolume(folder: String, contents: Data) throws {
        let fm = FileManager.default
        let version = "..\(UUID().uuidString)"
        try fm.createDirectory(atPath: "\(folder)/\(version)", withIntermediateDirectories: true)
        try contents.write(to: URL(fileURLWithPath: "\(folder)/\(version)/config.json"))
        let temporaryLink = "\(folder)/..data_tmp"
        try? fm.removeItem(atPath: temporaryLink)
        try fm.createSymbolicLink(atPath: temporaryLink, withDestinationPath: version)
        guard rename(temporaryLink, "\(folder)/..data") == 0 else { throw CocoaError(.fileWriteUnknown) }
        if (try? fm.destinationOfSymbolicLink(atPath: "\(folder)/config.json")) == nil {
            try fm.createSymbolicLink(atPath: "\(folder)/config.json", withDestinationPath: "..data/config.json")
        }
    }

    @discardableResult
    static func with<T: Sendable>(
        config: ClassifierConfig,
        encoder: (any TextEncoder)? = nil,
        configure: (inout ClassifierServer.Options) -> Void = { _ in },
        loadConfig: Bool = true,
        _ body: (ClassifierServerHarness) async throws -> T
    ) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("semroute-classifier-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeConfigMapVolume(folder: folder, contents: encode(config))

        var options = ClassifierServer.Options(configPath: "\(folder)/config.json")
        options.host = "127.0.0.1"
        options.grpcPort = 0
        options.httpPort = 0
        options.metricsPort = 0
        options.reloadInterval = .seconds(3600)  // tests trigger reloads themselves
        configure(&options)
        let registry = PrometheusCollectorRegistry()
        var logger = Logger(label: "test.classifier")
        logger.logLevel = ProcessInfo.processInfo.environment["SEMROUTE_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let server = ClassifierServer(options: options, logger: logger, metricsFactory: PrometheusMetricsFactory(registry: registry),
                                      metricsExposition: { registry.emitToBuffer() }) { config in
            try ClassifierPipeline(config: config, encoder: encoder, heads: nil)
        }
        if loadConfig { try server.loadConfig() }
        let group = ServiceGroup(configuration: .init(services: server.services.map { .init(service: $0) }, logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let outcome: Result<T, any Error>
            do {
                let ports = try await server.ports()
                let harness = ClassifierServerHarness(server: server, ports: ports, configPath: options.configPath, registry: registry)
                outcome = .success(try await body(harness))
            } catch {
                outcome = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try outcome.get()
        }
    }
}
