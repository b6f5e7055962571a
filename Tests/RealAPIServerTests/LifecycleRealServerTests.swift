import Foundation
import KubeClient
import KubeCore
import KubeEnvtest
import KubeRuntime
import Testing
@testable import SemanticRouteController
import SemanticRouteRender

/// What needs kube-controller-manager: deletion through the finalizer and garbage collection, and a leader
/// handover between two operators, on the real server.
@Suite("route lifecycle on the real API server (with kube-controller-manager)", .serialized,
       .enabled(if: RealServer.available(needsUpstreamCRDs: true), RealServer.skipReason(needsUpstreamCRDs: true)),
       .realAPIServer(controllerManager: true, upstreamCRDs: .v1_1), .timeLimit(.minutes(5)))
struct LifecycleRealServerTests {
    /// Every object labelled as semroute's in the fixture's namespaces, as `Kind ns/name`.
    static func managedObjects(_ s: Scenario) async throws -> [String] {
        var out: [String] = []
        let selector = LabelSelector(matchLabels: [RouteLabels.managedByKey: RouteLabels.managedByValue])
        for resource in RenderedKinds.all {
            for ns in [s.fixtures.routeNamespace, s.fixtures.gatewayNamespace] {
                let list = try await s.admin.listAll(resource, namespace: ns, options: ListOptions(labelSelector: selector))
                out += list.items.compactMap { o in o[path: "metadata", "name"]?.stringValue.map { "\(resource.kind) \(ns)/\($0)" } }
            }
        }
        return out.sorted()
    }

    @Test("deleting a route: the finalizer removes what lives outside its namespace, garbage collection the rest")
    func deleteCleansUp() async throws {
        try await Scenario.run("delete") { s in
            let f = s.fixtures
            _ = try await OperatorRun.start(in: s)
            try await OperatorRealServerTests.waitForCondition(s, "Ready", "True")
            let rendered = try await Self.managedObjects(s)
            #expect(rendered.contains { $0.hasPrefix("EnvoyPatchPolicy \(f.gatewayNamespace)/") })
            #expect(rendered.contains("Deployment \(f.routeNamespace)/mom-classifier"))

            try await s.admin.delete(ManagedKinds.semanticRoutes, namespace: f.routeNamespace, name: "mom")
            try await OperatorRun.until("the route to be gone") {
                do { _ = try await s.route(); return false } catch KubeError.notFound { return true }
            }
            try await OperatorRun.until("garbage collection of every rendered object", seconds: 90) {
                try await Self.managedObjects(s).isEmpty
            }
            // Objects the operator does not own stay: the Secret, the Services, the Gateway.
            _ = try await s.admin.get(.secrets, namespace: f.routeNamespace, name: "openai-key")
            _ = try await s.admin.get(.services, namespace: f.modelsNamespace, name: "vllm-math")
            _ = try await s.admin.get(ManagedKinds.gateways, namespace: f.gatewayNamespace, name: "ai-gateway")
        }
    }

    @Test("leader handover: a standby takes the Lease when the leader stops and reconciles the next edit")
    func leaderHandover() async throws {
        try await Scenario.run("leader") { s in
            // A long lease: on a loaded machine (the suite in parallel, builds alongside) a renewal can take
            // seconds, and a 6 s lease let the standby take over from a live leader. The handover below does not
            // wait for expiry: the leader releases the Lease when it stops, and the standby's next try takes it.
            func election(_ identity: String) -> LeaderElector.Configuration {
                .init(namespace: "semroute-system", name: "semroute-leader", identity: identity, leaseDuration: .seconds(60),
                      renewDeadline: .seconds(40), retryPeriod: .milliseconds(500))
            }
            let leases = APIResource(group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true)
            func holder() async throws -> String? {
                try? await s.admin.get(leases, namespace: "semroute-system", name: "semroute-leader")[path: "spec", "holderIdentity"]?.stringValue
            }
            let a = try await OperatorRun.start(in: s, leaderElection: election("operator-a"))
            try await OperatorRun.until("operator-a to lead") { try await holder() == "operator-a" }
            let b = try await OperatorRun.start(in: s, leaderElection: election("operator-b"))
            try await OperatorRealServerTests.waitForCondition(s, "Ready", "True")
            #expect(b.op.controller.finishedReconciles == 0, "the standby reconciled while another held the Lease")

            await a.stop()
            try await OperatorRun.until("operator-b to take the Lease") { try await holder() == "operator-b" }
            let updated = try await s.patchSpec(["classifier": ["failOpen": false]])
            let generation = updated[path: "metadata", "generation"]
            try await OperatorRun.until("operator-b to reconcile generation \(generation?.intValue ?? 0)") {
                OperatorRealServerTests.condition(try await s.route(), "Ready")?["observedGeneration"] == generation
            }
            #expect(b.op.controller.finishedReconciles > 0)
        }
    }
}
