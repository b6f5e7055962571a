import Foundation
import KubeClient
import KubeCore
import KubeEnvtest
import KubeRuntime
import Testing
@testable import SemanticRouteController
import SemanticRouteRender

/// The operator against a real kube-apiserver v1.32, under the shipped ClusterRole. Writes are counted from the
/// server's audit log (what the server saw), never from the operator's own view. Spec edits are merge patches,
/// as `kubectl patch` sends them (no resourceVersion precondition racing the operator's status writes).
@Suite("operator on the real API server", .serialized,
       .enabled(if: RealServer.available(needsUpstreamCRDs: true), RealServer.skipReason(needsUpstreamCRDs: true)),
       .realAPIServer(upstreamCRDs: .v1_1), .timeLimit(.minutes(5)))
struct OperatorRealServerTests {
    /// The operator's writes since `mark` that concern the test's namespaces, as `verb resource[/sub] ns/name`.
    static func operatorWrites(since mark: AuditLog.Mark, _ f: RealServerFixtures) throws -> [String] {
        let namespaces: Set<String> = [f.routeNamespace, f.gatewayNamespace, f.modelsNamespace]
        return try RealServer.plane.auditLog().entries(since: mark)
            .filter { $0.user == ControlPlane.User.operatorUser.rawValue && $0.isWrite && namespaces.contains($0.namespace ?? "") }
            .map(\.description)
    }

    /// The operator's requests the server refused, except a 409 on the route itself: the finalizer is added
    /// with a resourceVersion precondition and the next reconcile may read a store that has not seen it yet;
    /// optimistic concurrency refuses the stale write and the reconcile retries (a conflict, not a rejection).
    static func failedWrites() throws -> [String] {
        try RealServer.plane.auditLog().entries()
            .filter { $0.user == ControlPlane.User.operatorUser.rawValue && $0.code >= 400 && $0.code != 404 }
            .filter { !($0.code == 409 && $0.resource == "semanticroutes") }
            .map { "\($0) → \($0.code)" }
    }

    static func condition(_ route: JSONValue, _ type: String) -> JSONValue? {
        route[path: "status", "conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    /// Waits until the route's condition `type` has `status` (and `reason`) for the route's current generation.
    @discardableResult
    static func waitForCondition(_ s: Scenario, _ type: String, _ status: String, reason: String? = nil,
                                 seconds: Double = 60) async throws -> JSONValue {
        var last: JSONValue = .null
        do {
            try await OperatorRun.until("\(type)=\(status) on \(s.fixtures.routeNamespace)/mom", seconds: seconds) {
                last = try await s.route()
                let c = condition(last, type)
                return c?["status"]?.stringValue == status && (reason == nil || c?["reason"]?.stringValue == reason)
                    && c?["observedGeneration"] == last[path: "metadata", "generation"]
            }
        } catch {
            Issue.record("last status: \(JSONWriter.string(last[path: "status"] ?? .null))")
            throw error
        }
        return last
    }

    @Test("apply → Accepted, ResolvedRefs, Programmed and Ready, with every rendered object accepted by the real server")
    func applyToReady() async throws {
        try await Scenario.run("ready") { s in
            _ = try await OperatorRun.start(in: s)
            let route = try await Self.waitForCondition(s, "Ready", "True")
            for type in ["Accepted", "ResolvedRefs", "Programmed", "ClassifierAvailable"] {
                #expect(Self.condition(route, type)?["status"]?.stringValue == "True", "\(type)")
            }
            #expect(route[path: "metadata", "finalizers"]?.arrayValue?.isEmpty == false)
            let agr = try await s.admin.get(RenderedKinds.aiGatewayRoutes, namespace: s.fixtures.routeNamespace, name: "mom")
            #expect(agr[path: "metadata", "ownerReferences"]?.arrayValue?.first?["uid"] == route[path: "metadata", "uid"])
            // The v1.1 AIGatewayRoute CRD has no excludeFromModelsEndpoint: the operator detected it and rendered none.
            #expect(!(agr[path: "spec", "rules"]?.arrayValue ?? []).contains { $0["excludeFromModelsEndpoint"] != nil })
            #expect((agr[path: "spec", "rules"]?.arrayValue ?? []).map { $0["name"]?.stringValue ?? "" } == ["math", "default"])
            // No failed write: every object the operator rendered passed the real server's schemas and CEL rules.
            let failed = try Self.failedWrites()
            #expect(failed.isEmpty, "\(failed)")
        }
    }

    @Test("a restarted operator on a converged cluster makes no write; a one-weight edit writes the changed object once and the status once")
    func zeroWritesAtSteadyState() async throws {
        try await Scenario.run("steady") { s in
            let f = s.fixtures
            let first = try await OperatorRun.start(in: s)
            try await Self.waitForCondition(s, "Ready", "True")
            try await first.converged()
            let settled = try RealServer.plane.auditLog().mark()
            try await first.converged(since: first.op.controller.finishedReconciles, after: 0)
            #expect(try Self.operatorWrites(since: settled, f) == [])
            await first.stop()

            // Restart: a new process lists everything (built-in list items carry no kind/apiVersion here) and
            // reconciles every route once.
            let restart = try RealServer.plane.auditLog().mark()
            let second = try await OperatorRun.start(in: s)
            try await second.converged(after: 1)
            #expect(try Self.operatorWrites(since: restart, f) == [])

            // One weight: 95/5 → 90/10 changes the AIGatewayRoute only (the classifier config has no weights).
            let edit = try RealServer.plane.auditLog().mark()
            let before = second.op.controller.finishedReconciles
            var decisions = try await s.route()[path: "spec", "decisions"]!.arrayValue!
            decisions[0] = decisions[0].setting(["targets"], .array(decisions[0]["targets"]!.arrayValue!.enumerated().map { i, t in
                i == 0 ? t.setting(["weight"], 90) : i == 1 ? t.setting(["weight"], 10) : t
            }))
            try await s.patchSpec(["decisions": .array(decisions)])
            try await Self.waitForCondition(s, "Ready", "True")
            try await second.converged(since: before, after: 1)
            let writes = try Self.operatorWrites(since: edit, f).filter { !$0.contains(" events ") }
            #expect(writes.sorted() == ["patch aigatewayroutes \(f.routeNamespace)/mom",
                                        "patch semanticroutes/status \(f.routeNamespace)/mom"])
            let agr = try await s.admin.get(RenderedKinds.aiGatewayRoutes, namespace: f.routeNamespace, name: "mom")
            let weights = agr[path: "spec", "rules"]?.arrayValue?.map { rule in
                rule["backendRefs"]?.arrayValue?.compactMap { $0["weight"]?.intValue } ?? []
            } ?? []
            #expect(weights.contains { $0.starts(with: [90, 10]) }, "\(weights)")
        }
    }

    @Test("a route whose Secret is missing reports ResolvedRefs=False SecretNotFound, and turns Ready when the Secret appears")
    func missingSecretAppears() async throws {
        try await Scenario.run("secret", secret: false) { s in
            _ = try await OperatorRun.start(in: s)
            let route = try await Self.waitForCondition(s, "ResolvedRefs", "False", reason: "SecretNotFound")
            #expect(Self.condition(route, "ResolvedRefs")?["message"]?.stringValue?.contains("openai-key") == true)
            let secret = try RealServerFixtures.documents("manifests/dev/secret.yaml")[0]
                .setting(["metadata", "namespace"], .string(s.fixtures.routeNamespace))
            try await RealServerFixtures.create(s.admin, secret)
            try await Self.waitForCondition(s, "Ready", "True")
        }
    }

    @Test("a second route with the same model on the same Gateway is Accepted=False ModelConflict naming the first and renders nothing; deleting the first makes it Ready without a resync")
    func modelConflict() async throws {
        try await Scenario.run("conflict") { s in
            let ns = s.fixtures.routeNamespace
            _ = try await OperatorRun.start(in: s)
            try await Self.waitForCondition(s, "Ready", "True")
            try await RealServerFixtures.create(s.admin, try s.fixtures.route().setting(["metadata", "name"], "mom-b"))
            func condition(_ type: String) async throws -> JSONValue? {
                Self.condition(try await s.admin.get(ManagedKinds.semanticRoutes, namespace: ns, name: "mom-b"), type)
            }
            try await OperatorRun.until("mom-b to report ModelConflict") {
                try await condition("Accepted")?["reason"]?.stringValue == "ModelConflict"
            }
            let accepted = try #require(try await condition("Accepted"))
            #expect(accepted["status"] == "False")
            #expect(accepted["message"]?.stringValue?.contains("\(ns)/mom") == true, "\(accepted)")
            #expect(try await condition("Ready")?["reason"] == "ModelConflict")
            let events = APIResource(group: "", version: "v1", plural: "events", kind: "Event", namespaced: true)
            let reasons = try await s.admin.list(events, namespace: ns).items
                .filter { $0[path: "involvedObject", "name"]?.stringValue == "mom-b" }
                .map { "\($0["type"]?.stringValue ?? "") \($0["reason"]?.stringValue ?? "")" }
            #expect(reasons.contains("Warning ModelConflict"), "\(reasons)")
            for (resource, namespace, name) in [(RenderedKinds.aiGatewayRoutes, ns, "mom-b"), (.deployments, ns, "mom-b-classifier"),
                                                (RenderedKinds.envoyPatchPolicies, s.fixtures.gatewayNamespace, "semroute-\(ns)-mom-b")] {
                await #expect(throws: KubeError.self, "\(resource.kind) \(name) is not rendered") {
                    try await s.admin.get(resource, namespace: namespace, name: name)
                }
            }

            // The winner goes: the loser is reconciled by the route-change trigger (the resync is 10 minutes away).
            try await s.admin.delete(ManagedKinds.semanticRoutes, namespace: ns, name: "mom")
            try await OperatorRun.until("mom-b to be Ready") {
                try await condition("Ready")?["status"]?.stringValue == "True"
            }
            _ = try await s.admin.get(RenderedKinds.aiGatewayRoutes, namespace: ns, name: "mom-b")
        }
    }

    @Test("kubectl scale goes through the scale subresource to the classifier Deployment; with autoscaling, the HPA's replicas survive reconciles")
    func scaleAndHPAOwnership() async throws {
        try await Scenario.run("scale") { s in
            let ns = s.fixtures.routeNamespace
            let run = try await OperatorRun.start(in: s)
            try await Self.waitForCondition(s, "Ready", "True")
            _ = try await s.admin.patch(ManagedKinds.semanticRoutes, namespace: ns, name: "mom",
                                        .merge(["spec": ["replicas": 3]]), subresource: .scale)
            try await OperatorRun.until("the Deployment to have 3 replicas") {
                try await s.admin.get(.deployments, namespace: ns, name: "mom-classifier")[path: "spec", "replicas"]?.intValue == 3
            }
            let scale = try await s.admin.get(ManagedKinds.semanticRoutes, namespace: ns, name: "mom", subresource: .scale)
            #expect(scale[path: "spec", "replicas"]?.intValue == 3)

            // Autoscaling: the operator stops sending replicas; what the HPA controller (another manager) sets stays.
            try await s.patchSpec(["classifier": ["autoscaling": ["minReplicas": 2, "maxReplicas": 6, "targetCPUUtilizationPercentage": 70]]])
            try await OperatorRun.until("the HPA to exist") {
                (try? await s.admin.get(.horizontalPodAutoscalers, namespace: ns, name: "mom-classifier")) != nil
            }
            try await run.converged(since: run.op.controller.finishedReconciles, after: 0)
            let hpa = try s.client(as: .otherManager, label: "hpa")
            _ = try await hpa.patch(.deployments, namespace: ns, name: "mom-classifier",
                                    .merge(["spec": ["replicas": 5]]), subresource: .scale)
            let before = run.op.controller.finishedReconciles
            try await s.patchSpec(["classifier": ["failOpen": false]])
            try await run.converged(since: before, after: 1)
            #expect(try await s.admin.get(.deployments, namespace: ns, name: "mom-classifier")[path: "spec", "replicas"]?.intValue == 5)
        }
    }
}

extension Scenario {
    /// The sample route as the server has it now.
    func route() async throws -> JSONValue {
        try await admin.get(ManagedKinds.semanticRoutes, namespace: fixtures.routeNamespace, name: "mom")
    }

    /// A JSON merge patch of the route's spec (what `kubectl patch --type merge` sends).
    @discardableResult
    func patchSpec(_ spec: JSONValue) async throws -> JSONValue {
        try await admin.patch(ManagedKinds.semanticRoutes, namespace: fixtures.routeNamespace, name: "mom", .merge(["spec": spec]))
    }
}

/// The same apply → Ready against the next upstream release set (AI Gateway v1.2.0, Envoy Gateway v1.9, Gateway
/// API v1.6): what the operator renders must be accepted by both.
@Suite("operator on the real API server with the AI Gateway v1.2 CRDs", .serialized,
       .enabled(if: RealServer.available(needsUpstreamCRDs: true, set: .v1_2), RealServer.skipReason(needsUpstreamCRDs: true, set: .v1_2)),
       .realAPIServer(upstreamCRDs: .v1_2), .timeLimit(.minutes(5)))
struct OperatorRealServerV12Tests {
    @Test("apply → Ready on the v1.2 CRDs, with every rendered object accepted (schemas and CEL rules)")
    func applyToReadyOnV12() async throws {
        try await Scenario.run("v12") { s in
            _ = try await OperatorRun.start(in: s)
            let route = try await OperatorRealServerTests.waitForCondition(s, "Ready", "True")
            #expect(OperatorRealServerTests.condition(route, "Programmed")?["status"]?.stringValue == "True")
            let failed = try OperatorRealServerTests.failedWrites()
            #expect(failed.isEmpty, "\(failed)")
            // The operator read the v1.2 AIGatewayRoute CRD and hid the classifier-only aliases from /v1/models: the
            // server kept the field (a v1.1 schema would have pruned it).
            let aigr = try await s.admin.get(RenderedKinds.aiGatewayRoutes, namespace: s.fixtures.routeNamespace, name: "mom")
            let rules = aigr[path: "spec", "rules"]?.arrayValue ?? []
            let hidden = rules.filter { $0["excludeFromModelsEndpoint"]?.boolValue == true }.compactMap { $0["name"]?.stringValue }
            #expect(hidden == ["math", "default.alias"], "hidden rules: \(hidden)")
            let listed = rules.first { $0["name"]?.stringValue == "default" }
            #expect(listed?["excludeFromModelsEndpoint"] == nil, "the virtual model's rule stays listed")
        }
    }
}
