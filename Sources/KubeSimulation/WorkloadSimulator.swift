import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import Logging
import ServiceLifecycle

/// A stand-in for the Deployment controller and the kubelet, which KubeLocal does not run: every Deployment it
/// sees gets the status its pods would give it once ready (``DeploymentSimulation``), written through the
/// status subresource, so a route's `ClassifierAvailable` can become True. For `semroute dev`,
/// `semroute apiserver --simulate-workloads`, the tests and the benchmarks; the operator never runs this.
public final class WorkloadSimulator: Service, Sendable {
    public let informer: Informer
    private let changes: AsyncStream<StoreChange>
    private let client: KubeClient
    private let now: @Sendable () -> String
    private let logger: Logger

    /// `now` stamps the conditions' `lastTransitionTime` (tests pass a fixed time).
    public init(client: KubeClient, now: @escaping @Sendable () -> String = WorkloadSimulator.rfc3339Now,
                logger: Logger) {
        self.client = client
        self.now = now
        self.logger = logger
        informer = Informer(resource: .deployments, source: KubeListWatch(client: client, resource: .deployments), logger: logger)
        // Subscribed before the informer runs, so the initial list is seen too.
        changes = informer.changes()
    }

    /// The informer first, then this.
    public var services: [any Service] { [informer, self] }

    public func run() async throws {
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
              let status = DeploymentSimulation.status(for: deployment, now: now()) else { return }
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

    public static let rfc3339Now: @Sendable () -> String = {
        ISO8601DateFormatter().string(from: Date())
    }
}
