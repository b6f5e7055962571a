import ClassifierConfig
import ClassifierCore
import Synchronization

/// The pipeline in force. One writer (the config reloader) swaps in a new pipeline atomically; readers take
/// a snapshot per ext_proc stream or HTTP call, so a stream that began on the old config finishes on it.
final class PipelineStore: Sendable {
    struct Snapshot: Sendable {
        let pipeline: ClassifierPipeline
        let config: ClassifierConfig
        /// 1 for the config loaded at start, +1 per accepted reload (never reused, also across ``clear()``).
        let generation: Int
    }

    private struct State {
        var snapshot: Snapshot?
        var lastGeneration = 0
        var waiters: [(generation: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    init() {}

    /// The pipeline in force, or nil before the first config was loaded and after ``clear()``.
    var current: Snapshot? { state.withLock { $0.snapshot } }

    /// Installs a new pipeline; returns its generation.
    @discardableResult
    func install(_ pipeline: ClassifierPipeline, config: ClassifierConfig) -> Int {
        let (generation, ready) = state.withLock { state in
            state.lastGeneration += 1
            let generation = state.lastGeneration
            state.snapshot = Snapshot(pipeline: pipeline, config: config, generation: generation)
            let ready = state.waiters.filter { $0.generation <= generation }.map(\.continuation)
            state.waiters.removeAll { $0.generation <= generation }
            return (generation, ready)
        }
        for continuation in ready { continuation.resume() }
        return generation
    }

    /// Removes the pipeline in force: until the next ``install(_:config:)`` nothing is classified (the HTTP API
    /// answers 503, ext_proc streams fail with UNAVAILABLE), as before the first config.
    func clear() {
        state.withLock { $0.snapshot = nil }
    }

    /// Returns once a pipeline of at least `generation` is in force (readiness waits, tests).
    func waitForGeneration(_ generation: Int) async {
        await withCheckedContinuation { continuation in
            let already = state.withLock { state -> Bool in
                if state.snapshot != nil, state.lastGeneration >= generation { return true }
                state.waiters.append((generation, continuation))
                return false
            }
            if already { continuation.resume() }
        }
    }
}
