import Foundation
import KubeClient
import KubeCore
import KubeLocal
import Logging

extension RetryPolicy {
    /// Retries like production (five attempts) but with millisecond backoff, for client tests of retry paths.
    public static let fastRetries = RetryPolicy(backoff: Backoff(initial: .milliseconds(1), maximum: .milliseconds(20)))
    /// One attempt: a failure surfaces at once.
    public static let noRetries = RetryPolicy(maxAttempts: 1)
}

/// Starts KubeLocal on a free port (port 0, so parallel tests never collide) and a client pointed at it; stops
/// both afterwards, whether `body` returns or throws. The client's request timeout is generous (60 s): a loaded
/// machine running the suite in parallel is slow, not broken.
public func withLocalServer<T: Sendable>(historyCapacity: Int = 10_000, retry: RetryPolicy = .noRetries,
                                         _ body: (KubeClient, LocalAPIServer) async throws -> T) async throws -> T {
    let server = try await LocalAPIServer.start(.init(port: 0, historyCapacity: historyCapacity))
    let client: KubeClient
    do {
        client = try KubeClient(config: KubeConfig(server: URL(string: server.baseURL)!), retryPolicy: retry,
                                requestTimeout: .seconds(60), logger: Logger(label: "test"))
    } catch {
        await server.stop()
        throw error
    }
    do {
        let result = try await body(client, server)
        try? await client.shutdown()
        await server.stop()
        return result
    } catch {
        try? await client.shutdown()
        await server.stop()
        throw error
    }
}
