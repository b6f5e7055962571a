import ArgumentParser
import Foundation
import KubeCore
import KubeEnvtest

/// `semroute-bench crd-validate`: loading the upstream CRDs (`hack/fetch-upstream-crds.sh`) into a
/// `CustomResourceDefinitionSet` (structural schemas compiled once), and validating objects against them, as KubeLocal
/// does on every write. Moved here from `UpstreamCRDTests`, which keeps only the functional assertions.
struct CRDValidationBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crd-validate",
                                                    abstract: "Upstream CRD load time and schema-validation throughput.")

    @Option(help: "The folder of upstream CRDs (default: the v1.1 set fetched by hack/fetch-upstream-crds.sh).")
    var crds: String?
    @Option(help: "Objects validated per round (cycling through an AIGatewayRoute, an AIServiceBackend, a Backend).")
    var objects = 3000
    @Option(help: "Rounds; the median is reported.") var rounds = 5

    func run() throws {
        guard let directory = crds ?? UpstreamCRDs.directory() else {
            throw ValidationError(UpstreamCRDs.missingReason())
        }
        var loads: [Double] = []
        var set: CustomResourceDefinitionSet?
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            set = try CustomResourceDefinitionSet.load(directory: directory)
            loads.append(Measure.seconds(ContinuousClock.now - start))
        }
        guard let set else { return }
        loads.sort()
        print("load: \(set.crdNames.count) CRDs from \(directory); \(rounds) rounds")
        print(String(format: "  median %.3f s, best %.3f s, worst %.3f s", loads[loads.count / 2], loads.first!, loads.last!))

        let samples = try Self.samples.map { try JSONParser.parse($0) }
        var times: [Double] = []
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            var errors = 0
            for n in 0..<objects { errors += set.validate(samples[n % samples.count]).count }
            times.append(Measure.seconds(ContinuousClock.now - start))
            guard errors == 0 else { throw ValidationError("a known-good sample failed validation (\(errors) errors)") }
        }
        times.sort()
        let median = times[times.count / 2]
        print(String(format: "validate: %d objects per round; median %.3f s (%.0f objects/s), best %.3f s, worst %.3f s",
                     objects, median, Double(objects) / median, times.first!, times.last!))
        print(String(format: "peak RSS %.1f MiB", Measure.peakRSSMiB()))
    }

    /// Known-good minimal objects of three upstream kinds (the same as `UpstreamCRDTests`' samples).
    static let samples = [
        #"""
        {"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"AIGatewayRoute",
         "metadata":{"name":"r","namespace":"default"},
         "spec":{"parentRefs":[{"name":"gw","kind":"Gateway","group":"gateway.networking.k8s.io"}],
                 "rules":[{"matches":[{"headers":[{"type":"Exact","name":"x-ai-eg-model","value":"gpt-4o"}]}],
                           "backendRefs":[{"name":"openai"}]}]}}
        """#,
        #"""
        {"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"AIServiceBackend",
         "metadata":{"name":"openai","namespace":"default"},
         "spec":{"schema":{"name":"OpenAI"},
                 "backendRef":{"name":"openai","kind":"Backend","group":"gateway.envoyproxy.io"}}}
        """#,
        #"""
        {"apiVersion":"gateway.envoyproxy.io/v1alpha1","kind":"Backend",
         "metadata":{"name":"openai","namespace":"default"},
         "spec":{"endpoints":[{"fqdn":{"hostname":"api.openai.com","port":443}}]}}
        """#,
    ]
}
