import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import Logging
import Metrics
import PrometheusQuery
import SemanticRouteRender
import ServiceLifecycle

/// The operator assembled: informers (routes, every rendered kind, referenced Secrets/Services/Gateways), an
/// optional leader elector, and the controller that runs ``RouteReconciler``. Its ``services`` go into one
/// ServiceGroup after the HTTP server, in this order: informers → leader elector → controller.
public final class SemanticRouteOperator: Sendable {
    public struct Configuration: Sendable {
        /// Namespaces whose SemanticRoutes are reconciled; empty means all.
        public var namespaces: [String]
        public var renderer: Renderer.Options
        public var concurrency: Int
        public var resyncPeriod: Duration
        public var drainTimeout: Duration
        public var leaderElection: LeaderElector.Configuration?
        /// Set `renderer.aiGateway` from the installed AIGatewayRoute CRD in ``SemanticRouteOperator/make(client:configuration:clock:logger:)``
        /// (at start, as the served kinds are: restart the operator after upgrading AI Gateway).
        public var detectAIGateway = true
        /// Where rollouts are judged from; nil: they hold, paused, until one is configured.
        public var prometheus: (any PrometheusQuerying)?
        /// Now in Unix seconds, for rollouts (tests inject a manual one).
        public var wallClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

        public init(namespaces: [String] = [], renderer: Renderer.Options = Renderer.Options(), concurrency: Int = 4,
                    resyncPeriod: Duration = .seconds(600), drainTimeout: Duration = .seconds(30),
                    leaderElection: LeaderElector.Configuration? = nil) {
            self.namespaces = namespaces
            self.renderer = renderer
            self.concurrency = concurrency
            self.resyncPeriod = resyncPeriod
            self.drainTimeout = drainTimeout
            self.leaderElection = leaderElection
        }
    }

    public let informers: [Informer]
    public let leaderElector: LeaderElector?
    public let controller: Controller
    /// The reconcile function the controller runs (tests drive it directly, one step at a time).
    let reconciler: RouteReconciler
    /// Kinds the operator would manage but the cluster does not serve (their CRDs are missing).
    public let unservedKinds: [APIResource]
    /// One client per watched kind: KubeClient's HTTP/1.1 pool allows 8 connections per host, and every watch
    /// holds one open, so watches get their own clients and reconcile's requests never queue behind them.
    let watchClients: [KubeClient]

    /// Long-running parts, in start order.
    public var services: [any Service] {
        var out: [any Service] = informers
        if let leaderElector { out.append(leaderElector) }
        out.append(controller)
        return out
    }

    /// Every store has its first list (true for leader and standby alike).
    public var isReady: Bool { informers.allSatisfy(\.store.isReady) }

    static let metricsPrefix = "semroute_"

    /// Closes the watch clients (after the services stopped).
    public func shutdown() async {
        for c in watchClients { try? await c.shutdown() }
    }

    /// Probes which optional kinds the cluster serves, then builds the informers and the controller.
    public static func make(client: KubeClient, configuration: Configuration, clock: RuntimeClock = .continuous,
                            logger: Logger) async throws -> SemanticRouteOperator {
        var unserved: [APIResource] = []
        // Probed where the operator will list: cluster-wide, or in its first watched namespace (a namespaced
        // install's RBAC grants nothing cluster-wide). A forbidden list is not fatal here: the informer for that
        // kind retries, /readyz stays false, and the log names the missing permission.
        let probeNamespace = configuration.namespaces.first
        for resource in RenderedKinds.all + [ManagedKinds.gateways] where !resource.group.isEmpty
            && !["apps", "autoscaling", "policy"].contains(resource.group) {
            do {
                _ = try await client.list(resource, namespace: resource.namespaced ? probeNamespace : nil,
                                          options: ListOptions(limit: 1))
            } catch KubeError.notFound {
                unserved.append(resource)
            } catch KubeError.forbidden(let status) {
                logger.error("the operator may not list a kind it manages; grant it in the operator's RBAC (the Helm chart's ClusterRole)",
                             metadata: ["kind": "\(resource)", "error": "\(status.message ?? "forbidden")"])
            }
        }
        if !unserved.isEmpty {
            logger.warning("the cluster does not serve some kinds semroute uses; routes report it in status",
                           metadata: ["kinds": "\(unserved.map(\.description).joined(separator: ","))"])
        }
        var configuration = configuration
        if configuration.detectAIGateway {
            configuration.renderer.aiGateway = await detectAIGateway(client: client, logger: logger)
        }
        return SemanticRouteOperator(client: client, configuration: configuration, unserved: unserved, clock: clock,
                                     logger: logger)
    }

    /// The AI Gateway release the installed AIGatewayRoute CRD belongs to (``AIGatewayVersion/detect(aiGatewayRouteCRD:)``);
    /// v1.1 (nothing newer is rendered) when the CRD is missing or the operator may not read it.
    static func detectAIGateway(client: KubeClient, logger: Logger) async -> AIGatewayVersion {
        do {
            let crd = try await client.get(.customResourceDefinitions, name: AIGatewayVersion.aiGatewayRouteCRDName)
            let version = AIGatewayVersion.detect(aiGatewayRouteCRD: crd)
            logger.info("rendering for the AI Gateway release of the installed AIGatewayRoute CRD",
                        metadata: ["aigateway.version": "\(version)"])
            return version
        } catch KubeError.notFound {
            return .v1_1
        } catch {
            logger.warning("cannot read the AIGatewayRoute CRD; rendering for AI Gateway v1.1 (grant get on customresourcedefinitions/\(AIGatewayVersion.aiGatewayRouteCRDName), as the Helm chart does)",
                           metadata: ["error": "\(error)"])
            return .v1_1
        }
    }

    init(client: KubeClient, configuration: Configuration, unserved: [APIResource], clock: RuntimeClock, logger: Logger) {
        self.unservedKinds = unserved
        let namespaces = Set(configuration.namespaces)
        var watchClients: [KubeClient] = []
        func watchClient() -> KubeClient {
            let c = (try? KubeClient(config: client.config, retryPolicy: client.retryPolicy,
                                     requestTimeout: client.requestTimeout, logger: logger)) ?? client
            if c !== client { watchClients.append(c) }
            return c
        }
        func informer<S: ListWatchSource>(_ resource: APIResource, _ source: S,
                                          indexers: [String: Store.IndexFunction] = [:]) -> Informer {
            Informer(resource: resource, source: source, indexers: indexers, clock: clock,
                     metricsPrefix: Self.metricsPrefix, logger: logger)
        }
        // Every watch is scoped as the operator's RBAC is: cluster-wide by default; with --namespace, one list and
        // watch per namespace (a namespaced install grants Roles in those namespaces only, nothing cluster-wide).
        func scoped(_ resource: APIResource, labelSelector: LabelSelector? = nil, keysOnly: Bool = false,
                    indexers: [String: Store.IndexFunction] = [:]) -> Informer {
            func make<S: ListWatchSource>(_ source: S) -> Informer {
                keysOnly ? informer(resource, SecretKeysOnly(base: source), indexers: indexers)
                    : informer(resource, source, indexers: indexers)
            }
            let namespaces = resource.namespaced ? configuration.namespaces : []
            let source = KubeListWatch(client: watchClient(), resource: resource, namespace: namespaces.count == 1 ? namespaces[0] : nil,
                                       labelSelector: labelSelector)
            return namespaces.count > 1 ? make(MultiNamespaceListWatch(source, namespaces: namespaces)) : make(source)
        }
        let routes = scoped(ManagedKinds.semanticRoutes, indexers: RouteIndexes.all)
        let managedSelector = LabelSelector(matchLabels: [RouteLabels.managedByKey: RouteLabels.managedByValue])
        var owned: [String: Store] = [:]
        var ownedInformers: [Informer] = []
        for resource in RenderedKinds.all where !unserved.contains(resource) {
            // Services are also referenced as backends, and a user's own ClientTrafficPolicy must be seen: those
            // two kinds are watched whole; the others only with our label.
            let whole = resource == .services || resource == RenderedKinds.clientTrafficPolicies
            let i = scoped(resource, labelSelector: whole ? nil : managedSelector, indexers: [
                RouteIndexes.routeLabel: Indexers.label(RouteLabels.routeKey), "namespace": Indexers.namespace,
                RouteIndexes.managedBy: Indexers.label(RouteLabels.managedByKey),
            ])
            owned[StoreSnapshot.kindKey(group: resource.group, kind: resource.kind)] = i.store
            ownedInformers.append(i)
        }
        let secrets = scoped(.secrets, keysOnly: true)
        let gateways = unserved.contains(ManagedKinds.gateways) ? nil : scoped(ManagedKinds.gateways)
        informers = [routes] + ownedInformers + [secrets] + (gateways.map { [$0] } ?? [])
        self.watchClients = watchClients

        leaderElector = configuration.leaderElection.map {
            LeaderElector(client: client, configuration: $0, clock: clock, logger: logger)
        }
        let snapshot = StoreSnapshot(routeStore: routes.store, owned: owned, secrets: secrets.store,
                                     gateways: gateways?.store)
        let writer = KubeClusterWriter(client: client)
        let recorder = EventRecorder(client: client, reportingController: "semroute.io/operator",
                                     reportingInstance: configuration.leaderElection?.identity ?? "semroute",
                                     clock: clock, logger: logger)
        var routeReconciler = RouteReconciler(renderer: Renderer(options: configuration.renderer), snapshot: snapshot,
                                              writer: writer, events: RecorderEventSink(recorder: recorder), logger: logger)
        // With --namespace the route watch sees only those namespaces (see `scoped`).
        routeReconciler.seesEveryRoute = configuration.namespaces.isEmpty
        routeReconciler.watchedNamespaces = namespaces
        routeReconciler.rolloutAnalyzer = configuration.prometheus.map { RolloutAnalyzer(prometheus: $0) }
        routeReconciler.clock = configuration.wallClock
        let reconciler = routeReconciler
        self.reconciler = reconciler
        let gauges = OperatorGauges(snapshot: snapshot, owned: owned)

        let routeStore = routes.store
        let byLabel: @Sendable (JSONValue) -> [ObjectKey] = { object in
            var keys: [ObjectKey] = []
            if let label = object[path: "metadata", "labels", RouteLabels.routeKey]?.stringValue {
                keys += routeStore.keys(index: RouteIndexes.routeLabel, value: label)
            }
            // The shared ClientTrafficPolicy (and a user's own) concerns every route on its Gateway.
            if object["kind"]?.stringValue == "ClientTrafficPolicy", let gateway = SharedPolicyPlanner.gateway(ofPolicy: object) {
                keys += routeStore.keys(index: RouteIndexes.gateway, value: gateway)
            }
            return keys
        }
        let byIndex = { (index: String) -> @Sendable (JSONValue) -> [ObjectKey] in
            { object in
                guard let ns = object[path: "metadata", "namespace"]?.stringValue,
                      let name = object[path: "metadata", "name"]?.stringValue else { return [] }
                return routeStore.keys(index: index, value: "\(ns)/\(name)")
            }
        }
        var triggers = ownedInformers.map { i -> Controller.Trigger in
            if i.resource == .services {
                let services = byIndex(RouteIndexes.service)
                return .watches(i) { byLabel($0) + services($0) }
            }
            return .watches(i, map: byLabel)
        }
        // Routes that claim the same model name on one Gateway decide each other's acceptance: a change of one
        // (spec, deletion or status) re-reconciles the others (ModelConflict).
        triggers.append(.watches(routes, mapChange: { RouteIndexes.contenders(of: $0, in: routeStore) }))
        triggers.append(.watches(secrets, map: byIndex(RouteIndexes.secret)))
        if let gateways { triggers.append(.watches(gateways, map: byIndex(RouteIndexes.gateway))) }

        controller = Controller(
            primary: routes, watches: triggers,
            configuration: .init(name: "semanticroute", concurrency: configuration.concurrency,
                                 resyncPeriod: configuration.resyncPeriod, drainTimeout: configuration.drainTimeout,
                                 metricsPrefix: Self.metricsPrefix),
            predicate: .generationChanged, leadership: leaderElector, clock: clock, logger: logger,
            housekeeping: {
                await reconciler.sweepOrphans(watches: { namespaces.isEmpty || namespaces.contains($0) })
            }
        ) { request in
            let namespace = request.key.namespace ?? ""
            guard namespaces.isEmpty || namespaces.contains(namespace) else { return .awaitChange }
            defer { gauges.update() }
            return try await reconciler.reconcile(namespace: namespace, name: request.key.name)
        }
    }
}

/// `semroute_managed_objects{kind}` and `semroute_routes{ready}`, recomputed from the stores after reconciles.
struct OperatorGauges: Sendable {
    let snapshot: StoreSnapshot
    let owned: [String: Store]

    func update() {
        for (key, store) in owned {
            let kind = String(key.split(separator: "/").last ?? "")
            // Runs after every reconcile: an index count, not a scan of the store (a scan per reconcile made a
            // 1,000-route cold sync quadratic).
            let count = store.count(index: RouteIndexes.managedBy, value: RouteLabels.managedByValue)
            Gauge(label: SemanticRouteOperator.metricsPrefix + "managed_objects", dimensions: [("kind", kind)]).record(count)
        }
        let counts = snapshot.routeStore.reduce(into: ["true": 0, "false": 0, "unknown": 0]) { counts, route in
            let ready = (route[path: "status", "conditions"]?.arrayValue ?? []).first { $0["type"] == "Ready" }
            counts[ready?["status"]?.stringValue?.lowercased() ?? "unknown", default: 0] += 1
        }
        for (ready, count) in counts {
            Gauge(label: SemanticRouteOperator.metricsPrefix + "routes", dimensions: [("ready", ready)]).record(count)
        }
    }
}
