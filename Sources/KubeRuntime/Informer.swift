import KubeClient
import KubeCore
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Keeps a ``Store`` in sync with the API server by running a ``Watcher`` (the reflector), and hands every
/// change to subscribers (controllers). A `Service`: run it in the ServiceGroup before the controllers.
public final class Informer: Service, Sendable {
    public let resource: APIResource
    public let store: Store
    private let subscribers = Mutex<[AsyncStream<StoreChange>.Continuation]>([])
    private let logger: Logger

    /// An informer over `source` (usually a ``KubeListWatch``). `metricsPrefix` names
    /// `<prefix>watch_restarts_total{resource}`.
    public init<Source: ListWatchSource>(resource: APIResource, source: Source, indexers: [String: Store.IndexFunction] = [:],
                                         backoff: Backoff = .watch, clock: RuntimeClock = .continuous,
                                         metricsPrefix: String = "", logger: Logger) {
        self.resource = resource
        self.store = Store(indexers: indexers)
        var logger = logger
        logger[metadataKey: "k8s.resource"] = "\(resource)"
        self.logger = logger
        let counter = Counter(label: metricsPrefix + "watch_restarts_total",
                              dimensions: [("resource", resource.description)])
        let watcher = Watcher(source: source, backoff: backoff, clock: clock, logger: logger, restartsCounter: counter)
        // Captured in a closure so the informer itself is not generic over the source.
        self.watcher = { body in
            for try await event in watcher { try await body(event) }
        }
    }

    private let watcher: @Sendable (_ body: (WatcherEvent) async throws -> Void) async throws -> Void

    /// A new stream of this informer's changes. Subscribe before ``run()`` to see the initial list.
    public func changes() -> AsyncStream<StoreChange> {
        let (stream, continuation) = AsyncStream<StoreChange>.makeStream(bufferingPolicy: .unbounded)
        subscribers.withLock { $0.append(continuation) }
        return stream
    }

    /// Applies one watcher event to the store and tells subscribers (also used by tests to drive a store).
    func handle(_ event: WatcherEvent) {
        let changes = store.apply(event)
        guard !changes.isEmpty else { return }
        let subscribers = self.subscribers.withLock { $0 }
        for change in changes { for subscriber in subscribers { subscriber.yield(change) } }
    }

    /// Watches until cancelled or graceful shutdown; then finishes the change streams.
    public func run() async throws {
        defer { subscribers.withLock { subs in for s in subs { s.finish() } } }
        logger.debug("informer starting")
        do {
            try await cancelWhenGracefulShutdown {
                try await self.watcher { event in self.handle(event) }
            }
        } catch is CancellationError {
            logger.debug("informer stopped")
        }
    }
}
