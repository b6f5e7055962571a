import Synchronization

/// When each rollout (`namespace/route/rollout`) last asked Prometheus, in memory. It paces the retries of a
/// rollout paused for an unreachable Prometheus without a status write per retry; after a restart the first
/// reconcile simply asks again.
final class RolloutAttempts: Sendable {
    private let times = Mutex<[String: Int64]>([:])

    func last(_ key: String) -> Int64? { times.withLock { $0[key] } }

    func record(_ key: String, at time: Int64) { times.withLock { $0[key] = time } }

    /// The route is gone: forget its rollouts.
    func forget(route: String) { times.withLock { $0 = $0.filter { !$0.key.hasPrefix(route + "/") } } }
}
