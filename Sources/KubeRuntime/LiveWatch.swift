import KubeClient
import KubeCore
import Synchronization

/// A watch stream that gives up on a silent connection. A watch whose connection dies without closing (a load
/// balancer that drops the flow, a half-open TCP connection after a network partition) never delivers another
/// event and never ends: the informer would serve a stale cache forever. The server ends every healthy watch
/// after its `timeoutSeconds` and may send bookmarks in between, so a stream that has delivered nothing for
/// longer than that (plus a margin, as kube-rs does) is dead: it fails with a transport error, the connection is
/// torn down, and the ``Watcher`` resumes from the last resourceVersion like after any dropped watch.
public struct LiveWatch<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == WatchEvent {
    public typealias Element = WatchEvent
    public typealias Failure = any Error

    let base: Base
    let idleTimeout: Duration
    let clock: RuntimeClock

    public init(_ base: Base, idleTimeout: Duration, clock: RuntimeClock = .continuous) {
        self.base = base
        self.idleTimeout = idleTimeout
        self.clock = clock
    }

    /// Thrown (as a ``KubeError/transport(_:)``) when the stream was silent for the whole idle timeout.
    static func stalledMessage(_ idleTimeout: Duration) -> String {
        "watch stalled: no event, bookmark or end of stream for \(idleTimeout); the connection is presumed dead"
    }

    public func makeAsyncIterator() -> AsyncThrowingStream<WatchEvent, any Error>.Iterator {
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
        let lastSeen = LastSeen(clock.now)
        let (base, clock, idleTimeout) = (self.base, self.clock, self.idleTimeout)
        // The reader owns the HTTP body; cancelling it closes the connection.
        let reader = Task {
            do {
                for try await event in base {
                    lastSeen.mark(clock.now)
                    continuation.yield(event)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        let watchdog = Task {
            while true {
                let deadline = lastSeen.value + idleTimeout
                do { try await clock.sleep(until: deadline) } catch { return }
                if clock.now - lastSeen.value >= idleTimeout {
                    continuation.finish(throwing: KubeError.transport(Self.stalledMessage(idleTimeout)))
                    reader.cancel()
                    return
                }
            }
        }
        continuation.onTermination = { _ in
            reader.cancel()
            watchdog.cancel()
        }
        return stream.makeAsyncIterator()
    }
}

/// When a watch last delivered something, shared by its reader and its watchdog.
final class LastSeen: Sendable {
    private let instant: Mutex<Duration>
    init(_ now: Duration) { instant = Mutex(now) }
    var value: Duration { instant.withLock { $0 } }
    func mark(_ now: Duration) { instant.withLock { $0 = now } }
}
