import ArgumentParser
import Foundation
import KubeEnvtest

/// `semroute-envtest`: a real control plane for scripts (hack/test-install-kubelocal.py --server real), the
/// same ``ControlPlane`` the Swift tests start. Prints `ready KUBECONFIG` once kube-apiserver is ready and the
/// CRDs are established, then runs until its standard input closes (the caller exits or closes the pipe),
/// and tears everything down.
@main
struct EnvtestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "semroute-envtest",
        abstract: "Run etcd + kube-apiserver (+ kube-controller-manager) from KUBEBUILDER_ASSETS until stdin closes.")

    @Option(help: "Where to write the admin kubeconfig.")
    var kubeconfigOut: String

    @Flag(help: "Also run kube-controller-manager (garbage collection, namespace deletion, service-account tokens).")
    var controllerManager = false

    @Option(help: "CRD manifests (files or folders) to install before reporting ready.")
    var crds: [String] = []

    func run() async throws {
        let assets = try EnvtestAssets.fromEnvironment().get()
        let plane = try await ControlPlane.start(assets, options: .init(controllerManager: controllerManager, crdPaths: crds))
        do {
            let admin = try plane.kubeconfigFile()
            try FileManager.default.copyItem(atPath: admin, toPath: kubeconfigOut)
            // Unbuffered: the caller reads this line through a pipe.
            FileHandle.standardOutput.write(Data("ready \(kubeconfigOut) audit=\(plane.auditLogPath)\n".utf8))
            await Self.waitForEndOfInput()
        } catch {
            await plane.stop()
            throw error
        }
        await plane.stop()
    }

    static func waitForEndOfInput() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                _ = FileHandle.standardInput.readDataToEndOfFile()
                done.resume()
            }
        }
    }
}
