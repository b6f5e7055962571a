import Foundation
import KubeClient
import KubeCore
import KubeEnvtest
import KubeLocal
import Logging
import SemrouteTestSupport
import Testing

/// One API server a differential flow runs on: KubeLocal (started per flow, with our CRD) or the suite's real
/// kube-apiserver. A flow gets a client and a kubectl for it, in a namespace of its own, and returns what it
/// observed; the test compares the two lists.
struct FlowTarget: Sendable {
    let name: String
    let client: KubeClient
    let kubeconfig: String
    let namespace: String
    let workDirectory: String

    /// Runs the real kubectl (its own discovery cache per target) and returns exit status, stdout and stderr.
    func kubectl(_ arguments: String..., stdin: String? = nil) async throws -> (status: Int32, out: String, err: String) {
        let kubectl = try Kubectl(kubeconfig: URL(fileURLWithPath: kubeconfig), directory: URL(fileURLWithPath: workDirectory))
        let result = try await kubectl.run(arguments, stdin: stdin)
        return (result.status, result.stdout, result.stderr)
    }

    static var kubectlAvailable: Bool { Kubectl.isAvailable }

    /// Runs `flow` on a fresh KubeLocal and on the real server (each in namespace `namespace`), returning both
    /// observation lists: `(local, real)`.
    static func both<T: Sendable>(namespace: String, _ flow: @Sendable (FlowTarget) async throws -> T) async throws -> (local: T, real: T) {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("semroute-diff-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: work + "/local", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: work + "/real", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }

        let server = try await LocalAPIServer.start(.init(port: 0))
        let local: T
        do {
            let crd = try YAMLReader.documents(try String(contentsOfFile: RealServer.ourCRD, encoding: .utf8))[0]
            try await server.registerCRD(crd)
            try server.kubeconfig(name: "local").write(toFile: work + "/local/kubeconfig", atomically: true, encoding: .utf8)
            let client = try KubeClient(config: KubeConfig(server: URL(string: server.baseURL)!),
                                        retryPolicy: RetryPolicy(maxAttempts: 1), logger: Logger(label: "diff-local"))
            _ = try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
            do {
                local = try await flow(FlowTarget(name: "KubeLocal", client: client, kubeconfig: work + "/local/kubeconfig",
                                                  namespace: namespace, workDirectory: work + "/local"))
            } catch {
                try? await client.shutdown()
                throw error
            }
            try? await client.shutdown()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()

        let plane = try RealServer.plane
        let client = try RealServer.client(label: "diff-real")
        defer { Task { try? await client.shutdown() } }
        _ = try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
        let real = try await flow(FlowTarget(name: "kube-apiserver", client: client, kubeconfig: try plane.kubeconfigFile(),
                                             namespace: namespace, workDirectory: work + "/real"))
        return (local, real)
    }
}
