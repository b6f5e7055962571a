import KubeCore
import KubeSimulation
import Testing

@Suite("Deployment simulation (Deployment controller + kubelet stand-in)", .timeLimit(.minutes(2)))
struct DeploymentSimulationTests {
    static func deployment(replicas: Int64? = 3, generation: Int64 = 2, hold: Bool = false) -> JSONValue {
        var meta = JSONObject([("name", "mom-classifier"), ("namespace", "llm"), ("generation", .int(generation))])
        if hold { meta["annotations"] = .object(JSONObject([(DeploymentSimulation.holdUnavailableAnnotation, "true")])) }
        var spec = JSONObject()
        if let replicas { spec["replicas"] = .int(replicas) }
        return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": .object(meta), "spec": .object(spec)]
    }

    @Test("a new Deployment gets every replica ready and Available=True for its generation")
    func becomesAvailable() throws {
        let status = try #require(DeploymentSimulation.status(for: Self.deployment(), now: "T1"))
        #expect(status["replicas"] == 3 && status["readyReplicas"] == 3 && status["availableReplicas"] == 3
                && status["updatedReplicas"] == 3 && status["observedGeneration"] == 2)
        let available = status["conditions"]?.arrayValue?.first { $0["type"] == "Available" }
        #expect(available?["status"] == "True")
    }

    @Test("a Deployment without replicas (HPA-owned, not yet scaled) counts as one, like the API default")
    func defaultReplicas() throws {
        let status = try #require(DeploymentSimulation.status(for: Self.deployment(replicas: nil), now: "T1"))
        #expect(status["readyReplicas"] == 1)
    }

    @Test("once its status is written, the steady state needs no further write")
    func steadyState() throws {
        let d = Self.deployment()
        let status = try #require(DeploymentSimulation.status(for: d, now: "T1"))
        #expect(DeploymentSimulation.status(for: d.setting(["status"], status), now: "T2") == nil)
    }

    @Test("the hold annotation keeps it unavailable with no ready replica; lifting it flips Available and its time")
    func hold() throws {
        let held = Self.deployment(hold: true)
        let status = try #require(DeploymentSimulation.status(for: held, now: "T1"))
        #expect(status["readyReplicas"] == 0 && status["unavailableReplicas"] == 3)
        let available = status["conditions"]?.arrayValue?.first { $0["type"] == "Available" }
        #expect(available?["status"] == "False")
        let released = Self.deployment().setting(["status"], status)
        let after = try #require(DeploymentSimulation.status(for: released, now: "T2"))
        let flipped = after["conditions"]?.arrayValue?.first { $0["type"] == "Available" }
        #expect(flipped?["status"] == "True" && flipped?["lastTransitionTime"] == "T2")
        let progressing = after["conditions"]?.arrayValue?.first { $0["type"] == "Progressing" }
        #expect(progressing?["lastTransitionTime"] == "T1", "Progressing stayed True")
    }

    @Test("scaling changes the counts")
    func scaling() throws {
        let d = Self.deployment()
        let status = try #require(DeploymentSimulation.status(for: d, now: "T1"))
        let scaled = Self.deployment(replicas: 5, generation: 3).setting(["status"], status)
        let after = try #require(DeploymentSimulation.status(for: scaled, now: "T2"))
        #expect(after["readyReplicas"] == 5 && after["observedGeneration"] == 3)
    }
}
