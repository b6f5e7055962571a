import ArgumentParser
import Foundation
import KubeClient
import KubeLocal
import KubeSimulation
import Logging
import ServiceLifecycle

/// `semroute apiserver`: runs the local API server (KubeLocal) standalone and writes a kubeconfig for it.
struct APIServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apiserver",
        abstract: "Run the local Kubernetes API server (in memory; for tests and `semroute dev`)."
    )

    @Option(help: "Port to listen on (0: any free port).")
    var port: Int = 8001

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .customLong("data-dir"), help: "Keep objects in this directory across restarts.")
    var dataDir: String?

    @Option(name: .customLong("kubeconfig-out"), help: "Write a kubeconfig pointing at the server to this file.")
    var kubeconfigOut: String?

    @Option(name: .customLong("token-auth-file"),
            help: "Accept the bearer tokens in this file (kube-apiserver's format: token,user,uid[,\"group1,group2\"]) and authorise their requests with RBAC. Requests without a token stay the admin.")
    var tokenAuthFile: String?

    @Flag(name: .customLong("tls"),
          help: "Serve HTTPS with a self-signed certificate made at start; the kubeconfig written by --kubeconfig-out trusts it. kubectl sends --token credentials only over HTTPS.")
    var tls = false

    @Flag(name: .customLong("simulate-workloads"),
          help: "Give every Deployment the status its pods would have once ready (KubeLocal runs no pods; a stand-in for the Deployment controller and kubelet, as in `semroute dev`). Off by default.")
    var simulateWorkloads = false

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    func run() async throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port: must be between 0 and 65535, got \(port)") }
        Bootstrap.logging(format: logFormat, level: .info)
        let logger = Logger(label: "semroute.apiserver")
        var authentication: TokenAuthentication?
        if let tokenAuthFile {
            do {
                authentication = try TokenAuthentication(tokenFile: String(contentsOfFile: tokenAuthFile, encoding: .utf8))
            } catch {
                throw ValidationError("--token-auth-file \(tokenAuthFile): \(error)")
            }
        }
        let server = try await LocalAPIServer.start(.init(port: port, host: host, dataDirectory: dataDir,
                                                          authentication: authentication, selfSignedTLS: tls,
                                                          logger: logger))
        if let kubeconfigOut {
            try server.kubeconfig().write(toFile: kubeconfigOut, atomically: true, encoding: .utf8)
            logger.info("wrote kubeconfig", metadata: ["file": "\(kubeconfigOut)"])
        }
        // Unbuffered, so a script or test reading stdout through a pipe sees the address at once.
        FileHandle.standardOutput.write(Data("KubeLocal API server listening on \(server.baseURL)\n".utf8))
        guard simulateWorkloads else {
            await server.wait()
            return
        }
        try await runSimulation(server: server, logger: logger)
    }

    /// Runs the Deployment simulation (as the local admin) until SIGINT/SIGTERM, then stops the server.
    private func runSimulation(server: LocalAPIServer, logger: Logger) async throws {
        let config = KubeConfig(server: URL(string: server.baseURL)!,
                                certificateAuthorityPEM: server.certificateAuthorityPEM.map { Array($0.utf8) },
                                token: server.adminToken.map { TokenSource(.value($0)) })
        let client = try KubeClient(config: config, logger: logger)
        let simulator = WorkloadSimulator(client: client, logger: logger)
        let group = ServiceGroup(configuration: .init(services: simulator.services.map { .init(service: $0) },
                                                      gracefulShutdownSignals: [.sigint, .sigterm], logger: logger))
        logger.info("simulating Deployment readiness (--simulate-workloads)")
        var failure: (any Error)?
        do { try await group.run() } catch { failure = error }
        try? await client.shutdown()
        await server.stop()
        if let failure { throw failure }
    }
}
