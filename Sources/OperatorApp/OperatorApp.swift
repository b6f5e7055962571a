import Foundation
import Hummingbird
import KubeClient
import KubeRuntime
import Logging
import Prometheus
import PrometheusQuery
import SemanticRouteController
import SemanticRouteRender
import ServiceLifecycle

/// The operator process assembled (its composition root): the Kubernetes client from the settings, the
/// operator (informers, leader elector, controller), and the health and metrics endpoints, run as one
/// ServiceGroup. `semroute operator` bootstraps logging and metrics, then runs this; tests run it in process.
public final class OperatorApp: Sendable {
    public let settings: OperatorSettings
    public let client: KubeClient
    public let op: SemanticRouteOperator
    let http: [any ApplicationProtocol]
    let logger: Logger

    /// Probes the cluster and wires everything; nothing runs until ``run(handlingSignals:)``.
    /// - Parameters:
    ///   - config: the kubeconfig (in-cluster or from a file); its namespace is the Lease's default.
    ///   - identity: this instance's leader-election identity (the pod name plus a random suffix in a pod).
    ///   - registry: what `/metrics` serves (the executable installs it as the metrics backend).
    ///   - onServing: called with the paths and bound port of each HTTP server once it listens.
    public static func make(settings: OperatorSettings, config: KubeConfig, identity: String,
                            registry: PrometheusCollectorRegistry, logger: Logger,
                            onServing: @escaping @Sendable (_ paths: String, _ port: Int) -> Void = { _, _ in })
        async throws -> OperatorApp {
        let client = try KubeClient(config: config, logger: logger)
        do {
            let election = settings.leaderElect ? LeaderElector.Configuration(
                namespace: settings.leaseNamespace ?? config.namespace, name: settings.leaseName, identity: identity) : nil
            var configuration = SemanticRouteOperator.Configuration(
                namespaces: settings.namespaces,
                renderer: Renderer.Options(classifierImage: settings.classifierImage,
                                           classifierResources: settings.classifierResources,
                                           aiGateway: settings.aiGatewayVersion ?? .v1_1),
                concurrency: settings.concurrency, resyncPeriod: .seconds(settings.resyncSeconds),
                drainTimeout: .seconds(settings.shutdownTimeoutSeconds), leaderElection: election)
            configuration.detectAIGateway = settings.aiGatewayVersion == nil
            configuration.prometheus = settings.prometheusURL.map { PrometheusClient(baseURL: $0) }
            let op = try await SemanticRouteOperator.make(client: client, configuration: configuration, logger: logger)
            let http = OperatorHTTPServer.applications(
                healthAddress: settings.healthAddr, metricsAddress: settings.metricsAddr, registry: registry,
                isReady: { op.isReady }, logger: logger, onServing: onServing)
            return OperatorApp(settings: settings, client: client, op: op, http: http, logger: logger)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    init(settings: OperatorSettings, client: KubeClient, op: SemanticRouteOperator, http: [any ApplicationProtocol],
         logger: Logger) {
        self.settings = settings
        self.client = client
        self.op = op
        self.http = http
        self.logger = logger
    }

    /// Runs the HTTP servers, then the operator's services, until SIGTERM/SIGINT (when `handlingSignals`), task
    /// cancellation, or a service's failure (e.g. leadership lost); then closes the clients. Run it once.
    /// `alongside`: services the executable bootstrapped (the span exporter); they start first and stop last.
    public func run(handlingSignals: Bool = true, alongside extra: [any Service] = []) async throws {
        logger.info("starting", metadata: [
            "namespaces": "\(settings.namespaces.isEmpty ? "all" : settings.namespaces.joined(separator: ","))",
            "leader_elect": "\(settings.leaderElect)", "health_addr": "\(settings.healthAddr)",
            "metrics_addr": "\(settings.metricsAddr)", "classifier_image": "\(settings.classifierImage)",
        ])
        let group = ServiceGroup(configuration: .init(
            services: extra.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                + http.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                + op.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: handlingSignals ? [.sigterm, .sigint] : [], logger: logger))
        var failure: (any Error)?
        do { try await group.run() } catch { failure = error }
        await op.shutdown()
        try? await client.shutdown()
        if let failure { throw failure }
    }
}
