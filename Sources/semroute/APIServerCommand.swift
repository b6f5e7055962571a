import ArgumentParser
import Foundation
import KubeLocal
import Logging

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

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    func run() async throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port: must be between 0 and 65535, got \(port)") }
        Bootstrap.logging(format: logFormat, level: .info)
        let logger = Logger(label: "semroute.apiserver")
        let server = try await LocalAPIServer.start(.init(port: port, host: host, dataDirectory: dataDir, logger: logger))
        if let kubeconfigOut {
            let text = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: kubelocal
                  cluster:
                    server: \(server.baseURL)
                contexts:
                - name: kubelocal
                  context:
                    cluster: kubelocal
                    user: kubelocal
                    namespace: default
                current-context: kubelocal
                users:
                - name: kubelocal
                  user: {}

                """
            try text.write(toFile: kubeconfigOut, atomically: true, encoding: .utf8)
            logger.info("wrote kubeconfig", metadata: ["file": "\(kubeconfigOut)"])
        }
        // Unbuffered, so a script or test reading stdout through a pipe sees the address at once.
        FileHandle.standardOutput.write(Data("KubeLocal API server listening on \(server.baseURL)\n".utf8))
        await server.wait()
    }
}
