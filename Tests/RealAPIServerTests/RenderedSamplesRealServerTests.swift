import Foundation
import KubeClient
import KubeCore
import KubeEnvtest
import SemanticRouteAPI
import SemanticRouteController
import SemanticRouteRender
import Testing

/// Everything render produces for every sample, offered to kube-apiserver with each release's upstream CRDs
/// installed (a dry-run create: schemas, defaults and the CRDs' CEL rules, exactly as an apply would be checked).
/// A rollout's AIGatewayRoute is offered at every weight the operator can render (0, a middle step, 100).
enum RenderedSamples {
    static func check(_ release: AIGatewayVersion) async throws {
        let admin = try RealServer.client()
        defer { Task { try? await admin.shutdown() } }  // also when a step throws: an unclosed client crashes the process
        let samplesDirectory = RealServer.repoRoot.appendingPathComponent("manifests/samples")
        var samples: [String] = []
        for case let path as String in FileManager.default.enumerator(atPath: samplesDirectory.path) ?? .init() where path.hasSuffix(".yaml") {
            samples.append(path)
        }
        samples.sort()
        let renderer = Renderer(options: .init(aiGateway: release))
        var namespaces: Set<String> = []
        var offered = 0
        var rejected: [String] = []
        for sample in samples {
            let raw = try RealServerFixtures.documents("manifests/samples/\(sample)")[0]
            guard case .success(let route) = SemanticRouteDecoder.decode(raw), renderer.unsupported(route).isEmpty else { continue }
            let weights: [[String: Int]] = route.spec.rollouts.map { rollouts in
                [0, 50, 100].map { w in Dictionary(uniqueKeysWithValues: rollouts.map { ($0.name, w) }) }
            } ?? [[:]]
            for weight in weights {
                for object in renderer.render(route, rolloutWeights: weight) {
                    let resource = try #require(ManagedKinds.resource(of: object.body), "\(object.kind) has no resource")
                    if namespaces.insert(object.namespace).inserted {
                        _ = try await admin.apply(.namespaces, name: object.namespace, [:], options: .init(fieldManager: "test"))
                    }
                    offered += 1
                    do {
                        _ = try await admin.create(resource, namespace: object.namespace, object.body, options: WriteOptions(dryRun: true))
                    } catch let error as KubeError {
                        rejected.append("\(sample) \(weight) \(object.kind)/\(object.name): \(error.status?.message ?? "\(error)")")
                    }
                }
            }
        }
        #expect(offered > 300, "only \(offered) objects offered")
        #expect(rejected.isEmpty, "rejected by kube-apiserver with the \(release) CRDs:\n\(rejected.joined(separator: "\n"))")
    }
}

@Suite("every sample's rendered objects on the real API server with the AI Gateway v1.1 CRDs", .serialized,
       .enabled(if: RealServer.available(needsUpstreamCRDs: true), RealServer.skipReason(needsUpstreamCRDs: true)),
       .realAPIServer(upstreamCRDs: .v1_1), .timeLimit(.minutes(5)))
struct RenderedSamplesRealServerTests {
    @Test("kube-apiserver accepts every object render produces for every sample (rollouts at 0%, 50% and 100%)")
    func accepted() async throws { try await RenderedSamples.check(.v1_1) }
}

@Suite("every sample's rendered objects on the real API server with the AI Gateway v1.2 CRDs", .serialized,
       .enabled(if: RealServer.available(needsUpstreamCRDs: true, set: .v1_2), RealServer.skipReason(needsUpstreamCRDs: true, set: .v1_2)),
       .realAPIServer(upstreamCRDs: .v1_2), .timeLimit(.minutes(5)))
struct RenderedSamplesRealServerV12Tests {
    @Test("kube-apiserver accepts every object render produces for every sample (rollouts at 0%, 50% and 100%)")
    func accepted() async throws { try await RenderedSamples.check(.v1_2) }
}
