import Foundation
import KubeEnvtest
import KubeClient
import KubeCore
import KubeLocal
import SemrouteTestSupport
import Testing
@testable import SemanticRouteController
import SemanticRouteRender

/// End to end: the operator's whole loop (informers, triggers, work queue, controller) and the Deployment
/// simulation against KubeLocal, driven by the real kubectl.
@Suite("End to end with kubectl", .timeLimit(.minutes(10)), .uses(.localServer), .serialized, .enabled(if: UpstreamCRDs.available(), Comment(rawValue: UpstreamCRDs.missingReason())))
struct KubectlEndToEndTests {
    @Test("kubectl apply of the sample reaches Ready=True with the simulation on; kubectl delete leaves no managed object",
          .enabled(if: Kubectl.isAvailable, "kubectl is not installed"))
    func applyGetDelete() async throws {
        try await ScenarioHarness.run(controller: true) { h in
            let kubectl = try Kubectl(server: h.server)
            defer { kubectl.removeDirectory() }
            // kubectl reads YAML 1.1, where the bare key `on` (spec.retry.on) is the boolean true: quote it.
            let text = try String(contentsOf: ControllerFixtures.samplesDirectory.appendingPathComponent("mom.yaml"), encoding: .utf8)
                .replacingOccurrences(of: "{attempts: 2, perTryTimeout: 30s, on:", with: "{attempts: 2, perTryTimeout: 30s, \"on\":")
            let sample = kubectl.directory.appendingPathComponent("mom.yaml").path
            try text.write(toFile: sample, atomically: true, encoding: .utf8)
            let applied = try await kubectl.run("apply", "-f", sample)
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")

            try await h.until("the route to be Ready", seconds: 30) {
                let route = h.op.informers[0].store.get(namespace: "llm", name: "mom")
                let ready = route?[path: "status", "conditions"]?.arrayValue?.first { $0["type"] == "Ready" }
                return ready?["status"] == "True"
            }
            let get = try await kubectl.run("get", "sroute", "-n", "llm", "mom")
            #expect(get.status == 0, "\(get.stdout)\(get.stderr)")
            #expect(get.stdout.contains("mom") && get.stdout.contains("True"), "\(get.stdout)")

            let deleted = try await kubectl.run("delete", "-f", sample, "--wait=false")
            #expect(deleted.status == 0, "\(deleted.stdout)\(deleted.stderr)")
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
