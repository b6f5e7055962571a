import ClassifierConfig
import ClassifierCore
import Logging
import ServiceLifecycle
import Synchronization

/// What one reload attempt did.
enum ReloadOutcome: Sendable, Equatable {
    /// The file's bytes are the ones already seen (accepted or rejected): nothing to do.
    case unchanged
    /// A new pipeline is in force.
    case reloaded(generation: Int)
    /// The new file is invalid; the previous pipeline stays in force.
    case rejected(reason: String)

    /// The `result` label of `semroute_classifier_config_reloads_total`.
    enum Result: String, Sendable {
        case success
        case failure
    }
}

/// Loads the config file into the `PipelineStore` and reloads it when its content changes.
///
/// Kubernetes updates a ConfigMap volume by writing a new timestamped folder and swapping the `..data`
/// symlink, so the file's path never changes but its content does (mtime and inode are unreliable through
/// the symlinks). The reloader therefore compares the file's bytes: `run()` checks every `interval` on the
/// injected clock (kubelet itself propagates ConfigMap changes only every minute or so, so a few seconds is
/// plenty and costs one small read). Tests drive `reloadIfChanged()` directly.
final class ConfigReloader: Service {
    typealias Builder = @Sendable (ClassifierConfig) throws -> ClassifierPipeline

    let path: String
    private let store: PipelineStore
    private let build: Builder
    private let interval: Duration
    private let clock: any Clock<Duration>
    private let metrics: ClassifierMetrics
    private let logger: Logger
    /// The bytes last seen (accepted or rejected), and how many times the config was unloaded: a reload that
    /// read the file before an ``unload()`` must not install what it read.
    private let state = Mutex<(lastSeen: [UInt8]?, unloads: Int)>((nil, 0))

    init(path: String, store: PipelineStore, interval: Duration = .seconds(2), clock: any Clock<Duration> = ContinuousClock(),
         metrics: ClassifierMetrics, logger: Logger, build: @escaping Builder) {
        self.path = path
        self.store = store
        self.build = build
        self.interval = interval
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    /// Loads the config at start; throws (naming the field) when it is invalid, since there is nothing to
    /// fall back to.
    func loadInitial() throws {
        let bytes = try ClassifierConfigFile.read(path: path)
        let config = try ClassifierConfigFile.decode(bytes, path: path)
        let pipeline = try build(config)
        let generation = state.withLock { state in
            state.lastSeen = bytes
            return store.install(pipeline, config: config)
        }
        logger.info("config loaded", metadata: ["config.path": "\(path)", "config.route": "\(config.route)",
                                                "config.generation": "\(generation)", "config.decisions": "\(config.decisions.count)"])
    }

    /// Reads the file; when its bytes differ from the last ones seen, builds a pipeline from it and swaps it
    /// in. An invalid file is logged and counted once, and the pipeline in force stays.
    @discardableResult
    func reloadIfChanged() -> ReloadOutcome {
        let unloads = state.withLock { $0.unloads }
        let bytes: [UInt8]
        do {
            bytes = try ClassifierConfigFile.read(path: path)
        } catch {
            // Mid-swap or deleted: keep the current pipeline and try again next time.
            return .unchanged
        }
        let changed = state.withLock { state -> Bool in
            if state.unloads != unloads || state.lastSeen == bytes { return false }
            state.lastSeen = bytes
            return true
        }
        guard changed else { return .unchanged }
        do {
            let config = try ClassifierConfigFile.decode(bytes, path: path)
            let pipeline = try build(config)
            // Sessions keep their decisions across a reload (those the new config still has).
            pipeline.inheritSessions(from: store.current?.pipeline)
            let installed = state.withLock { state -> Int? in
                state.unloads == unloads ? store.install(pipeline, config: config) : nil
            }
            guard let generation = installed else { return .unchanged }
            metrics.countReload(result: .success)
            logger.info("config reloaded", metadata: ["config.path": "\(path)", "config.route": "\(config.route)",
                                                      "config.generation": "\(generation)"])
            return .reloaded(generation: generation)
        } catch {
            metrics.countReload(result: .failure)
            logger.error("config rejected; keeping the previous one",
                         metadata: ["config.path": "\(path)", "error": "\(error)",
                                    "config.generation": "\(store.current?.generation ?? 0)"])
            return .rejected(reason: "\(error)")
        }
    }

    /// Stops serving the config in force (its source is gone): the store is cleared, and the next file read,
    /// even with the same bytes as before, is loaded as new.
    func unload() {
        state.withLock { state in
            state.lastSeen = nil
            state.unloads += 1
            store.clear()
        }
        logger.info("config unloaded; nothing is classified until a config is loaded again", metadata: ["config.path": "\(path)"])
    }

    func run() async {
        // Graceful shutdown cancels the sleep; nothing needs draining.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await self.clock.sleep(for: self.interval, tolerance: nil)
                self.reloadIfChanged()
            }
        }
    }
}
