import ClassifierConfig
import ClassifierCore
import Synchronization

/// The pipeline in force. One writer (the config reloader) swaps in a new pipeline atomically; readers take
/// a snapshot per ext_proc stream or HTTP call, so a stream that began on the old config finishes on it.
final class PipelineStore: Sendable {
    struct Snapshot: Sendable {
        let pipeline: ClassifierPipeline
        let config: ClassifierConfig
        /// 1 for the config loaded at start, +1 per accepted reload.
        let generation: Int
    }

    private struct State {
        var snapshot: Snapshot?
        var waiters: [(generation: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    init() {}

    /// The pipeline in force, or nil before the first config was loaded.
    var current: Snapshot? { state.withLock { $0.snapshot } }

    /// Installs a new pipeline; returns its generation.
    @discardableResult
    func install(_ pipeline: ClassifierPipeline, config: ClassifierConfig) -> Int {
        let (generation, ready) = state.withLock { state in
            let generation = (state.snapshot?.generation ?? 0) + 1
            state.snapshot = Snapshot(pipeline: pipeline, config: config, generation: generation)
            let ready = state.waiters.filter { $0.generation <= generation }.map(\.continuation)
            state.waiters.removeAll { $0.generation <= generation }
            return (generation, ready)
        }
        for continuation in ready { continuation.resume() }
        return generation
    }

    /// Returns once a pipeline of at least `generation` is in force (readiness waits, tests).
    func waitForGeneration(_ generation: Int) async {
        await withCheckedContinuation { continuation in
            let already = state.withLock { state -> Bool in
                if (state.snapshot?.generation ?? 0) >= generation { return true }
                state.waiters.append((generation, continuation))
                return false
            }
            if already { continuation.resume() }
        }
    }
}
