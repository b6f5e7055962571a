import KubeCore
import SemanticRouteAPI
import Testing
@testable import SemanticRouteController

@Suite("Status evaluation", .timeLimit(.minutes(2)))
struct StatusEvaluatorTests {
    static let aigr = ObjectRef(apiVersion: "aigateway.envoyproxy.io/v1beta1", kind: "AIGatewayRoute", namespace: "llm", name: "mom")
    static let epp = ObjectRef(apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "EnvoyPatchPolicy",
                               namespace: "envoy-gateway-system", name: "semroute-llm-mom")

    static func deployment(ready: Int, replicas: Int = 2, available: Bool = true, message: String = "") -> JSONValue {
        ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "mom-classifier", "namespace": "llm"],
         "spec": ["replicas": JSONValue(replicas), "selector": ["matchLabels": [
            "app.kubernetes.io/name": "semroute-classifier", "app.kubernetes.io/instance": "mom-classifier"]]],
         "status": ["replicas": JSONValue(replicas), "readyReplicas": JSONValue(ready),
                    "conditions": [["type": "Available", "status": available ? "True" : "False", "message": .string(message)]]]]
    }

    static func healthy(generation: Int64 = 1) -> StatusInputs {
        StatusInputs(generation: generation, namespace: "llm", decisions: 1, backends: 3, desired: [aigr, epp],
                     outcomes: [aigr: .applied, epp: .unchanged], deployment: deployment(ready: 2),
                     deploymentName: "mom-classifier")
    }

    static func condition(_ s: SemanticRouteStatus, _ type: ConditionType) -> Condition? {
        s.conditions?[type: type.rawValue]
    }

    @Test("a healthy route is Ready with every condition True, observedGeneration on each, counts and managed list")
    func healthyRoute() {
        let s = StatusEvaluator.evaluate(Self.healthy(generation: 4), previous: nil, now: "2026-11-25T10:00:00Z")
        #expect(s.observedGeneration == 4)
        #expect(s.conditions?.map(\.type) == ["Accepted", "ResolvedRefs", "Programmed", "ClassifierAvailable", "Ready"])
        #expect(s.conditions?.allSatisfy { $0.status == .true && $0.observedGeneration == 4 } == true)
        #expect(s.conditions?.map(\.reason) == ["Valid", "ResolvedRefs", "Applied", "MinimumReplicasAvailable", "Ready"])
        #expect(s.classifier == .init(replicas: 2, readyReplicas: 2,
                                      selector: "app.kubernetes.io/instance=mom-classifier,app.kubernetes.io/name=semroute-classifier"))
        #expect(s.decisions == 1 && s.backends == 3)
        #expect(s.managed == [.init(apiVersion: "aigateway.envoyproxy.io/v1beta1", kind: "AIGatewayRoute", name: "mom"),
                              .init(apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "EnvoyPatchPolicy",
                                    name: "semroute-llm-mom", namespace: "envoy-gateway-system")])
    }

    @Test("lastTransitionTime stays when a condition keeps its status and moves when it flips")
    func transitionTime() {
        let first = StatusEvaluator.evaluate(Self.healthy(), previous: nil, now: "T1")
        let same = StatusEvaluator.evaluate(Self.healthy(), previous: first, now: "T2")
        #expect(same.conditions?.allSatisfy { $0.lastTransitionTime == "T1" } == true)
        #expect(!StatusEvaluator.changed(from: first, to: same))

        var down = Self.healthy()
        down.deployment = Self.deployment(ready: 0, available: false, message: "Deployment does not have minimum availability.")
        let flipped = StatusEvaluator.evaluate(down, previous: same, now: "T3")
        #expect(Self.condition(flipped, .classifierAvailable)?.lastTransitionTime == "T3")
        #expect(Self.condition(flipped, .ready)?.lastTransitionTime == "T3")
        #expect(Self.condition(flipped, .accepted)?.lastTransitionTime == "T1")
        #expect(StatusEvaluator.changed(from: same, to: flipped))
    }

    @Test("an invalid spec is Accepted=False naming the field; nothing else claims success")
    func invalidSpec() {
        let previous = StatusEvaluator.evaluate(Self.healthy(), previous: nil, now: "T1")
        let inputs = StatusInputs(generation: 2, namespace: "llm",
                                  specErrors: [.invalid("spec.decisions[0].targets[0].backend", "\"nope\"", "must name a backend of this route")],
                                  deployment: Self.deployment(ready: 2), deploymentName: "mom-classifier")
        let s = StatusEvaluator.evaluate(inputs, previous: previous, now: "T2")
        let accepted = Self.condition(s, .accepted)
        #expect(accepted?.status == .false)
        #expect(accepted?.reason == "Invalid")
        #expect(accepted?.message.contains("spec.decisions[0].targets[0].backend") == true)
        #expect(Self.condition(s, .programmed)?.status == .unknown)
        #expect(Self.condition(s, .ready)?.status == .false)
        #expect(Self.condition(s, .ready)?.reason == "SpecInvalid")
        #expect(s.managed == previous.managed, "what the last valid generation applied is still what is managed")
    }

    @Test("missing references make ResolvedRefs False with every missing object in the message")
    func missingRefs() {
        var inputs = Self.healthy()
        let secret = RouteReference(kind: .secret, namespace: "llm", name: "openai-key", field: "spec.backends[2].auth.apiKey.secretRef", detail: "apiKey")
        let service = RouteReference(kind: .service, namespace: "models", name: "vllm", field: "spec.backends[0].endpoint.service", detail: "8000")
        inputs.missing = [MissingReference(secret, .notFound), MissingReference(service, .notFound)]
        let s = StatusEvaluator.evaluate(inputs, previous: nil, now: "T")
        let c = Self.condition(s, .resolvedRefs)
        #expect(c?.status == .false && c?.reason == "SecretNotFound")
        #expect(c?.message.contains("Secret llm/openai-key") == true && c?.message.contains("Service models/vllm") == true)
        #expect(Self.condition(s, .ready)?.reason == "RefsNotResolved")
    }

    @Test("an upstream object that is not accepted makes Programmed False with the upstream message")
    func upstreamNotAccepted() {
        var inputs = Self.healthy()
        inputs.upstream = [Self.aigr: .notAccepted(message: "AIServiceBackend mom-x not found")]
        let c = Self.condition(StatusEvaluator.evaluate(inputs, previous: nil, now: "T"), .programmed)
        #expect(c?.status == .false && c?.reason == "NotAccepted")
        #expect(c?.message == "AIGatewayRoute llm/mom not accepted: AIServiceBackend mom-x not found")
    }

    @Test("an object the API server rejected makes Programmed False with the server's message")
    func rejected() {
        var inputs = Self.healthy()
        inputs.outcomes[Self.epp] = .rejected(code: 422, message: "spec.jsonPatches: Invalid value: rule failed")
        let c = Self.condition(StatusEvaluator.evaluate(inputs, previous: nil, now: "T"), .programmed)
        #expect(c?.status == .false && c?.reason == "ApplyFailed")
        #expect(c?.message.contains("spec.jsonPatches: Invalid value: rule failed") == true)
    }

    @Test("a colliding unlabelled object is reported as a name conflict")
    func nameConflict() {
        var inputs = Self.healthy()
        inputs.outcomes[Self.aigr] = .nameConflict
        let c = Self.condition(StatusEvaluator.evaluate(inputs, previous: nil, now: "T"), .programmed)
        #expect(c?.status == .false && c?.reason == "NameConflict")
        #expect(c?.message.contains("AIGatewayRoute llm/mom exists but is not managed by semroute") == true)
    }

    @Test("the classifier is unavailable without a Deployment or without a ready replica")
    func classifier() {
        var inputs = Self.healthy()
        inputs.deployment = nil
        var c = Self.condition(StatusEvaluator.evaluate(inputs, previous: nil, now: "T"), .classifierAvailable)
        #expect(c?.status == .false && c?.reason == "DeploymentNotFound")
        inputs.deployment = Self.deployment(ready: 0, available: false, message: "Deployment does not have minimum availability.")
        c = Self.condition(StatusEvaluator.evaluate(inputs, previous: nil, now: "T"), .classifierAvailable)
        #expect(c?.status == .false && c?.reason == "MinimumReplicasUnavailable")
        #expect(c?.message == "0/2 classifier replicas ready: Deployment does not have minimum availability.")
    }

    @Test("a classifier Deployment scaled to zero is unavailable and the message says it is scaled to 0, not '0/0 ready'")
    func scaledToZero() {
        var inputs = Self.healthy()
        // What the Deployment controller writes for replicas: 0: Available=True, "has minimum availability".
        inputs.deployment = Self.deployment(ready: 0, replicas: 0, available: true,
                                            message: "Deployment has minimum availability.")
        let s = StatusEvaluator.evaluate(inputs, previous: nil, now: "T")
        let c = Self.condition(s, .classifierAvailable)
        #expect(c?.status == .false && c?.reason == "ScaledToZero")
        #expect(c?.message == "the classifier Deployment mom-classifier is scaled to 0 replicas, so requests are not classified (with failOpen they pass unclassified, without it they fail)")
        #expect(c?.message.contains("minimum availability") == false)
        let ready = Self.condition(s, .ready)
        #expect(ready?.status == .false && ready?.reason == "ClassifierUnavailable")
        #expect(ready?.message.contains("scaled to 0 replicas") == true)
        #expect(s.classifier?.replicas == 0 && s.classifier?.readyReplicas == 0)

        // Pods still terminating after the scale-down do not make it available.
        inputs.deployment = Self.deployment(ready: 1, replicas: 0, available: true)
        #expect(Self.condition(StatusEvaluator.evaluate(inputs, previous: nil, now: "T"), .classifierAvailable)?.status == .false)
    }

    @Test("every reason is PascalCase and fits the CRD's reason pattern")
    func reasons() throws {
        let pattern = try Regex("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
        for reason in ConditionReason.allCases {
            #expect(reason.rawValue.wholeMatch(of: pattern) != nil)
            #expect(reason.rawValue.first?.isUppercase == true)
        }
    }
}
