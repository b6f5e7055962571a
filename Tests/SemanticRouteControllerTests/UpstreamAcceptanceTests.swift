import KubeCore
import Testing
@testable import SemanticRouteController

@Suite("Upstream controllers' verdicts", .timeLimit(.minutes(2)))
struct UpstreamAcceptanceTests {
    static func object(generation: Int64 = 1, status: JSONValue) -> JSONValue {
        ["apiVersion": "aigateway.envoyproxy.io/v1beta1", "kind": "AIGatewayRoute",
         "metadata": ["name": "mom", "namespace": "llm", "generation": .int(generation)], "status": status]
    }

    @Test("AI Gateway's NotAccepted condition is read with its message")
    func aiGatewayNotAccepted() {
        let o = Self.object(status: ["conditions": [["type": "NotAccepted", "status": "True", "reason": "NotAccepted",
                                                     "message": "backend mom-x not found", "observedGeneration": 1]]])
        #expect(UpstreamAcceptance.of(o) == .notAccepted(message: "backend mom-x not found"))
    }

    @Test("Envoy Gateway's per-ancestor Accepted=False is read with its message")
    func envoyGatewayAncestors() {
        let o = Self.object(status: ["ancestors": [["ancestorRef": ["name": "gw"], "conditions": [
            ["type": "Accepted", "status": "False", "reason": "Invalid", "message": "listener http not found"]]]]])
        #expect(UpstreamAcceptance.of(o) == .notAccepted(message: "listener http not found"))
    }

    @Test("Accepted=True is accepted; no status is no verdict")
    func acceptedAndSilent() {
        #expect(UpstreamAcceptance.of(Self.object(status: ["conditions": [["type": "Accepted", "status": "True"]]])) == .accepted)
        #expect(UpstreamAcceptance.of(Self.object(status: [:])) == nil)
    }

    @Test("a verdict about an older generation of the object is ignored")
    func staleVerdict() {
        let o = Self.object(generation: 3, status: ["conditions": [["type": "Accepted", "status": "False", "message": "old",
                                                                    "observedGeneration": 2]]])
        #expect(UpstreamAcceptance.of(o) == nil)
    }
}
