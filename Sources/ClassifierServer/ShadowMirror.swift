import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Sends copies of matched requests to the shadow backend, fire-and-forget: `submit` never waits (a full
/// queue drops the copy and counts it), at most `maxConcurrent` copies are in flight, each has a deadline,
/// and responses are read and discarded; only status and latency are recorded.
final class ShadowMirror: Service {
    struct Copy: Sendable {
        var url: String
        var body: [UInt8]
    }

    struct Limits: Sendable {
        var queueCapacity = 256
        var maxConcurrent = 16
        var timeout: Duration = .seconds(10)
    }

    private let queue: AsyncStream<Copy>
    private let continuation: AsyncStream<Copy>.Continuation
    private let client: HTTPClient
    private let limits: Limits
    private let metrics: ClassifierMetrics
    private let logger: Logger

    init(client: HTTPClient = .shared, limits: Limits = Limits(), metrics: ClassifierMetrics, logger: Logger) {
        (queue, continuation) = AsyncStream.makeStream(of: Copy.self, bufferingPolicy: .bufferingOldest(limits.queueCapacity))
        self.client = client
        self.limits = limits
        self.metrics = metrics
        self.logger = logger
    }

    /// Queues one copy; returns false (and counts it as dropped) when the queue is full or closed.
    @discardableResult
    func submit(_ copy: Copy) -> Bool {
        switch continuation.yield(copy) {
        case .enqueued: return true
        case .dropped, .terminated:
            metrics.countShadow(result: "dropped")
            return false
        @unknown default:
            return false
        }
    }

    func run() async {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { senders in
                var inFlight = 0
                for await copy in queue {
                    if inFlight >= limits.maxConcurrent {
                        await senders.next()
                        inFlight -= 1
                    }
                    inFlight += 1
                    senders.addTask { await self.send(copy) }
                }
            }
        } onGracefulShutdown: {
            // Stop taking copies; the ones in flight finish (each bounded by the timeout).
            self.continuation.finish()
        }
    }

    func send(_ copy: Copy) async {
        var request = HTTPClientRequest(url: copy.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "x-semroute-shadow", value: "1")
        request.body = .bytes(copy.body)
        let start = ContinuousClock.now
        let timeout = TimeAmount.nanoseconds(Int64(limits.timeout.components.seconds) * 1_000_000_000
                                             + limits.timeout.components.attoseconds / 1_000_000_000)
        do {
            let response = try await client.execute(request, timeout: timeout, logger: logger)
            for try await _ in response.body {}
            metrics.countShadow(result: "\(response.status.code / 100)xx")
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            metrics.countShadow(result: "timeout")
            logger.debug("shadow copy timed out", metadata: ["shadow.url": "\(copy.url)"])
        } catch {
            metrics.countShadow(result: "error")
            logger.debug("shadow copy failed", metadata: ["shadow.url": "\(copy.url)", "error": "\(error)"])
        }
        let elapsed = ContinuousClock.now - start
        metrics.recordShadow(seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
