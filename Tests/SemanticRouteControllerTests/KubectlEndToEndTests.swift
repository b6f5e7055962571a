import Foundation
import KubeEnvtest
import KubeClient
import KubeCore
import KubeLocal
import Testing
@testable import SemanticRouteController
import SemanticRouteRender

/// End to end: the operator's whole loop (informers, triggers, work queue, controller) and the Deployment
/// simulation against KubeLocal, driven by the real kubectl.
@Suite("End to end with kubectl", .serialized, .enabled(if: UpstreamCRDs.available(), Comment(rawValue: UpstreamCRDs.missingReason())))
struct KubectlEndToEndTests {
    static let kubectl = "/usr/bin/kubectl"

    static func kubectl(_ args: [String], kubeconfig: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kubectl)
        process.arguments = ["--kubeconfig", kubeconfig] + args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func kubeconfig(_ server: LocalAPIServer) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("semroute-e2e-\(UUID().uuidString).yaml").path
        try server.kubeconfig(name: "local").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("kubectl apply of the sample reaches Ready=True with the simulation on; kubectl delete leaves no managed object",
          .enabled(if: FileManager.default.isExecutableFile(atPath: KubectlEndToEndTests.kubectl), "kubectl is not installed"))
    func applyGetDelete() async throws {
        try await ScenarioHarness.run(controller: true) { h in
            let config = try Self.kubeconfig(h.server)
            defer { try? FileManager.default.removeItem(atPath: config) }
            // kubectl reads YAML 1.1, where the bare key `on` (spec.retry.on) is the boolean true: quote it.
            let text = try String(contentsOf: ControllerFixtures.samplesDirectory.appendingPathComponent("mom.yaml"), encoding: .utf8)
                .replacingOccurrences(of: "{attempts: 2, perTryTimeout: 30s, on:", with: "{attempts: 2, perTryTimeout: 30s, \"on\":")
            let sample = config + ".mom.yaml"
            try text.write(toFile: sample, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: sample) }
            let applied = try Self.kubectl(["apply", "-f", sample], kubeconfig: config)
            #expect(applied.status == 0, "\(applied.output)")

            try await h.until("the route to be Ready", seconds: 30) {
                let route = h.op.informers[0].store.get(namespace: "llm", name: "mom")
                let ready = route?[path: "status", "conditions"]?.arrayValue?.first { $0["type"] == "Ready" }
                return ready?["status"] == "True"
            }
            let get = try Self.kubectl(["get", "sroute", "-n", "llm", "mom"], kubeconfig: config)
            #expect(get.status == 0, "\(get.output)")
            #expect(get.output.contains("mom") && get.output.contains("True"), "\(get.output)")

            let deleted = try Self.kubectl(["delete", "-f", sample, "--wait=false"], kubeconfig: config)
            #expect(deleted.status == 0, "\(deleted.output)")
            try await h.until("every managed object to be gone", seconds: 30) {
                if try await h.get(ManagedKinds.semanticRoutes, "llm", "mom") != nil { return false }
                for resource in RenderedKinds.all {
                    let items = try await h.client.listAll(resource, options: ListOptions(
                        labelSelector: LabelSelector(matchLabels: [RouteLabels.managedByKey: RouteLabels.managedByValue]))).items
                    if !items.isEmpty { return false }
                }
                return true
            }
        }
    }
}
