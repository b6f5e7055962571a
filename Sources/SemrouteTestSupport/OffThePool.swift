import Foundation

/// Runs blocking work (waiting for a child process, reading its pipes to the end) on a thread of its own and
/// suspends until it is done. Swift's cooperative pool has one thread per core (two here): a test that blocks one
/// of them while the suite runs in parallel stalls every other test's async work, and two such tests stall all of it.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}
