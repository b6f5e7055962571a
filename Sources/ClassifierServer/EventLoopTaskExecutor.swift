import NIOCore
import NIOPosix

/// A Swift concurrency `TaskExecutor` that runs each job on the NIO event loop that enqueued it (when the
/// enqueuer is a loop thread), else on the group's next loop.
///
/// The ext_proc server runs its gRPC transport's connection and stream tasks under this preference
/// (`GRPCServerService`). A message arrives on its connection's loop, which resumes the stream handler, so
/// the handler, the answer and the write of the answer all stay on that thread. Without it every message
/// crosses from the event loop to the global concurrency pool and back, and each crossing wakes a parked
/// thread: on a 2-core VM that was about 1 ms per message round trip (docs/benchmarks.md, "ext_proc end to
/// end"); the benchmark's Envoy-side client uses it too. Work that may take more than microseconds (the encoder, a large body) must leave this executor
/// (`withTaskExecutorPreference(globalConcurrentExecutor)`), or it stalls every stream on the loop.
public final class EventLoopTaskExecutor: TaskExecutor {
    let group: MultiThreadedEventLoopGroup

    public init(group: MultiThreadedEventLoopGroup) {
        self.group = group
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        // From a loop's own thread `execute` only appends to its task queue: no wake-up, no thread switch.
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
