import KubeClient
import KubeCore
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import Tracing

/// Runs a reconcile function for the objects of a primary kind (kube-runtime `Controller`):
///
/// - triggers: changes of the primary kind (filtered by a ``ChangePredicate``), changes of owned kinds (mapped to
///   the owner through `ownerReferences`), changes of other watched kinds (mapped by a function, usually an index
///   lookup), and a periodic resync of every primary object;
/// - reconciles only once every involved store is ready (and, with leader election, while leading);
/// - keys go through a ``WorkQueue``: deduped, one at a time per key, bounded concurrency;
/// - one error type, ``ReconcileError``: transient errors back off per key (never sooner than the server's
///   `Retry-After`), terminal ones wait for the next change;
/// - a `Service`: graceful shutdown stops taking keys and drains in-flight reconciles within ``Configuration/drainTimeout``;
///   losing the lease does the same and then throws ``LeadershipLostError`` so the process restarts as a standby;
/// - an optional `housekeeping` function (e.g. sweeping objects whose owner is gone) runs once the stores are
///   ready and while leading, alongside the first reconciles and then after every resync.
public final class Controller: Service, Sendable {
    public struct Configuration: Sendable {
        /// Names the controller in logs and metrics (label `controller`).
        public var name: String
        public var concurrency: Int
        /// Re-reconcile every primary object this often (a safety net); nil disables.
        public var resyncPeriod: Duration?
        public var drainTimeout: Duration
        /// Prepended to metric names, e.g. `semroute_` → `semroute_reconcile_total`.
        public var metricsPrefix: String
        public var backoff: Backoff

        public init(name: String, concurrency: Int = 4, resyncPeriod: Duration? = .seconds(600),
                    drainTimeout: Duration = .seconds(30), metricsPrefix: String = "", backoff: Backoff = .reconcile) {
            self.name = name
            self.concurrency = concurrency
            self.resyncPeriod = resyncPeriod
            self.drainTimeout = drainTimeout
            self.metricsPrefix = metricsPrefix
            self.backoff = backoff
        }
    }

    /// A secondary source of reconcile requests.
    public struct Trigger: Sendable {
        let informer: Informer
        let map: @Sendable (StoreChange) -> [ObjectKey]

        /// Objects owned (`ownerReferences`) by an object of the primary kind trigger their owner.
        public static func owns(_ informer: Informer) -> Trigger {
            Trigger(informer: informer, map: { _ in [] })
        }

        /// Objects of this kind trigger the primary objects `map` returns (e.g. via a primary-store index); `map`
        /// sees the object as it is now (its last state when deleted).
        public static func watches(_ informer: Informer, map: @escaping @Sendable (JSONValue) -> [ObjectKey]) -> Trigger {
            Trigger(informer: informer, map: { map($0.object) })
        }

        /// Like ``watches(_:map:)``, with the whole change: an update also shows the object as it was, for a
        /// mapping that depends on a field the update may have changed (what the object was related to before).
        /// No predicate applies: every change is mapped, status-only ones included.
        public static func watches(_ informer: Informer, mapChange: @escaping @Sendable (StoreChange) -> [ObjectKey]) -> Trigger {
            Trigger(informer: informer, map: mapChange)
        }
    }

    public let configuration: Configuration
    public let primary: Informer
    public let queue: WorkQueue<ObjectKey>
    private let triggers: [(trigger: Trigger, owned: Bool, changes: AsyncStream<StoreChange>)]
    private let primaryChanges: AsyncStream<StoreChange>
    private let predicate: ChangePredicate
    private let reconcile: @Sendable (ReconcileRequest) async throws -> ReconcileAction
    private let housekeeping: (@Sendable () async -> Void)?
    private let leadership: LeaderElector?
    private let clock: RuntimeClock
    private let logger: Logger
    private let nextID = Atomic<UInt64>(0)
    private let finished = Atomic<Int>(0)
    private let leadershipLost = Atomic<Bool>(false)
    private let metrics: ControllerMetrics

    /// Subscribes to the informers at once, so create the controller before the informers run.
    public init(primary: Informer, owns: [Informer] = [], watches: [Trigger] = [],
                configuration: Configuration, predicate: ChangePredicate = .always,
                leadership: LeaderElector? = nil, clock: RuntimeClock = .continuous, logger: Logger,
                housekeeping: (@Sendable () async -> Void)? = nil,
                reconcile: @escaping @Sendable (ReconcileRequest) async throws -> ReconcileAction) {
        self.configuration = configuration
        self.housekeeping = housekeeping
        self.primary = primary
        self.predicate = predicate
        self.reconcile = reconcile
        self.leadership = leadership
        self.clock = clock
        var logger = logger
        logger[metadataKey: "controller"] = "\(configuration.name)"
        self.logger = logger
        self.metrics = ControllerMetrics(prefix: configuration.metricsPrefix, controller: configuration.name)
        self.queue = WorkQueue(concurrency: configuration.concurrency, backoff: configuration.backoff, clock: clock,
                               depthGauge: metrics.depth)
        self.primaryChanges = primary.changes()
        self.triggers = owns.map { (Trigger.owns($0), true, $0.changes()) }
            + watches.map { ($0, false, $0.informer.changes()) }
    }

    /// Reconciles finished since start (any outcome). With ``queue``'s depth and running keys it tells when the
    /// controller has caught up, e.g. that a restarted operator has been through every object once.
    public var finishedReconciles: Int { finished.load(ordering: .relaxed) }

    /// Every store this controller reads is ready.
    public var isReady: Bool { primary.store.isReady && triggers.allSatisfy { $0.trigger.informer.store.isReady } }

    /// Stops taking keys; in-flight reconciles get ``Configuration/drainTimeout`` to finish.
    public func shutdown() { queue.shutdown(drainTimeout: configuration.drainTimeout) }

    /// Keys of primary objects owning `object` (matching kind and API group of the primary resource).
    func owners(of object: JSONValue) -> [ObjectKey] {
        let resource = primary.resource
        let namespace = resource.namespaced ? object[path: "metadata", "namespace"]?.stringValue : nil
        return (object[path: "metadata", "ownerReferences"]?.arrayValue ?? []).compactMap { ref in
            guard ref["kind"]?.stringValue == resource.kind, let name = ref["name"]?.stringValue,
                  let apiVersion = ref["apiVersion"]?.stringValue else { return nil }
            let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
            return group == resource.group ? ObjectKey(namespace: namespace, name: name) : nil
        }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [primaryChanges, predicate, queue] in
                    for await change in primaryChanges where predicate.accepts(change) {
                        if let key = ObjectKey(object: change.object) { queue.add(key) }
                    }
                }
                for (trigger, owned, changes) in triggers {
                    group.addTask { [queue] in
                        for await change in changes {
                            for key in owned ? self.owners(of: change.object) : trigger.map(change) {
                                queue.add(key)
                            }
                        }
                    }
                }
                if let leadership {
                    group.addTask { [queue, configuration, logger] in
                        await leadership.waitForLeadership()
                        await leadership.waitUntilNotLeader()
                        guard !Task.isCancelled else { return }
                        logger.warning("leadership lost; stopping the controller")
                        self.leadershipLost.store(true, ordering: .relaxed)
                        queue.shutdown(drainTimeout: configuration.drainTimeout)
                    }
                }
                await self.waitUntilStartable()
                if !queue.isShuttingDown {
                    logger.info("stores ready; reconciling")
                    for key in primary.store.keys() { queue.add(key) }
                    let housekeeping = self.housekeeping
                    if let housekeeping { group.addTask { await housekeeping() } }
                    if let period = configuration.resyncPeriod {
                        group.addTask { [primary, queue, clock] in
                            while !Task.isCancelled {
                                do { try await clock.sleep(for: period) } catch { return }
                                for key in primary.store.keys() { queue.add(key) }
                                await housekeeping?()
                            }
                        }
                    }
                }
                await queue.run { key in await self.process(key) }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.shutdown()
        }
        if leadershipLost.load(ordering: .relaxed) { throw LeadershipLostError(controller: configuration.name) }
    }

    /// Waits for every store and (with leader election) for leadership; returns early on shutdown.
    private func waitUntilStartable() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [queue] in
                await queue.waitForShutdown()
            }
            group.addTask {
                await self.primary.store.waitUntilReady()
                for trigger in self.triggers { await trigger.trigger.informer.store.waitUntilReady() }
                await self.leadership?.waitForLeadership()
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func process(_ key: ObjectKey) async {
        let request = ReconcileRequest(key: key, id: nextID.wrappingAdd(1, ordering: .relaxed).newValue,
                                       failures: queue.failureCount(key))
        var logger = self.logger
        logger[metadataKey: "k8s.namespace"] = key.namespace.map { "\($0)" }
        logger[metadataKey: "k8s.name"] = "\(key.name)"
        logger[metadataKey: "reconcile.id"] = "\(request.id)"
        let start = clock.now
        defer {
            metrics.duration.recordNanoseconds((clock.now - start).wholeNanoseconds)
            finished.add(1, ordering: .relaxed)
        }
        do {
            // One span per reconcile when the process bootstrapped a tracer (a no-op otherwise); the reconcile's
            // own spans, if any, become its children through the task-local context.
            let action = try await withSpan("reconcile", ofKind: .internal) { span in
                if span.isRecording {
                    span.attributes["semroute.controller"] = configuration.name
                    span.attributes["k8s.namespace.name"] = key.namespace
                    span.attributes["k8s.object.name"] = key.name
                    span.attributes["semroute.reconcile.id"] = Int(request.id)
                    span.attributes["semroute.reconcile.failures"] = request.failures
                }
                let action = try await reconcile(request)
                if span.isRecording {
                    switch action {
                    case .awaitChange: span.attributes["semroute.reconcile.result"] = "success"
                    case .requeue: span.attributes["semroute.reconcile.result"] = "requeue_after"
                    }
                }
                return action
            }
            queue.forget(key)
            switch action {
            case .awaitChange:
                metrics.result("success")
            case .requeue(let after):
                metrics.result("requeue_after")
                queue.add(key, after: after)
            }
        } catch is CancellationError {
            metrics.result("cancelled")
        } catch {
            metrics.result("error")
            let failure = ReconcileError(from: error)
            metrics.error(failure.reason)
            switch failure.disposition {
            case .transient:
                let delay = queue.addWithBackoff(key, atLeast: failure.retryAfter)
                logger.warning("reconcile failed; retrying", metadata: [
                    "error": "\(failure.message)", "error.reason": "\(failure.reason)",
                    "retry.delay_ms": "\(Int(delay.seconds * 1000))"])
            case .terminal:
                queue.forget(key)
                logger.error("reconcile failed; not retrying until the object changes", metadata: [
                    "error": "\(failure.message)", "error.reason": "\(failure.reason)"])
            }
        }
    }
}

/// Thrown by ``Controller/run()`` after the lease was lost and in-flight reconciles drained.
public struct LeadershipLostError: Error, Sendable, CustomStringConvertible {
    public var controller: String
    public var description: String { "controller \(controller) stopped: leadership lost" }
}

struct ControllerMetrics: Sendable {
    let prefix: String
    let controller: String
    let duration: Metrics.Timer
    let depth: Gauge

    init(prefix: String, controller: String) {
        self.prefix = prefix
        self.controller = controller
        duration = Metrics.Timer(label: prefix + "reconcile_duration_seconds", dimensions: [("controller", controller)],
                                 preferredDisplayUnit: .seconds)
        depth = Gauge(label: prefix + "workqueue_depth", dimensions: [("name", controller)])
    }

    func result(_ result: String) {
        Counter(label: prefix + "reconcile_total", dimensions: [("controller", controller), ("result", result)])
            .increment()
    }

    func error(_ reason: String) {
        Counter(label: prefix + "reconcile_errors_total", dimensions: [("controller", controller), ("reason", reason)])
            .increment()
    }
}

extension Duration {
    var wholeNanoseconds: Int64 {
        let (s, atto) = components
        return s > Int64.max / 1_000_000_000 - 1 ? Int64.max : s * 1_000_000_000 + atto / 1_000_000_000
    }
}
