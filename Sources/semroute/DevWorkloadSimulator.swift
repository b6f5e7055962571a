import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import KubeSimulation
import Logging
import ServiceLifecycle

/// `semroute dev`'s stand-in for the Deployment controller and the kubelet, which KubeLocal does not run:
/// every Deployment it sees gets the status its pods would give it once ready (``DeploymentSimulation``),
/// written through the status subresource, so a route's `ClassifierAvailable` can become True. Dev only;
/// the operator never runs this.
final class DevWorkloadSimulator: Service, Sendable {
    let informer: Informer
    private let changes: AsyncStream<StoreChange>
    private let client: KubeClient
    private let logger: Logger

    init(client: KubeClient, logger: Logger) {
        self.client = client
        self.logger = logger
        informer = Informer(resource: .deployments, source: KubeListWatch(client: client, resource: .deployments), logger: logger)
        // Subscribed before the informer runs, so the initial list is seen too.
        changes = informer.changes()
    }

    /// The informer first, then this.
    var services: [any Service] { [informer, self] }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await change in self.changes {
                guard case .applied(_, let deployment) = change else { continue }
                await self.simulate(deployment)
            }
        }
    }

    private func simulate(_ deployment: JSONValue) async {
        guard let namespace = deployment[path: "metadata", "namespace"]?.stringValue,
              let name = deployment[path: "metadata", "name"]?.stringValue,
              deployment[path: "metadata", "deletionTimestamp"] == nil,
              let status = DeploymentSimulation.status(for: deployment, now: Self.now()) else { return }
        do {
            _ = try await client.patch(.deployments, namespace: namespace, name: name, .merge(["status": status]),
                                       subresource: .status)
            logger.debug("simulated Deployment status", metadata: ["k8s.namespace": "\(namespace)", "k8s.name": "\(name)",
                                                                  "ready": "\(status["readyReplicas"]?.intValue ?? 0)"])
        } catch KubeError.notFound {
            // Deleted meanwhile: nothing to simulate.
        } catch {
            // The next change of this Deployment (or the patch's own echo) brings it here again.
            logger.warning("could not write simulated Deployment status",
                           metadata: ["k8s.namespace": "\(namespace)", "k8s.name": "\(name)", "error": "\(error)"])
        }
    }

    static func now() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}
