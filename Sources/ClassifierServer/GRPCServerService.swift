import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOPosix
import ServiceLifecycle

/// Runs a `GRPCServer` as a swift-service-lifecycle `Service`: serves until graceful shutdown, then stops
/// accepting new streams and returns once the open ones have finished (grpc-swift-2's own ServiceLifecycle
/// integration is a separate package we do not depend on).
final class GRPCServerService: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    /// Where the transport's connection and stream tasks run: on their connection's event loop.
    let executor: EventLoopTaskExecutor
    let logger: Logger

    init(server: GRPCServer<HTTP2ServerTransport.Posix>, group: MultiThreadedEventLoopGroup, logger: Logger) {
        self.server = server
        self.executor = EventLoopTaskExecutor(group: group)
        self.logger = logger
    }

    /// The bound address once the transport listens (useful with port 0).
    var listeningAddress: GRPCNIOTransportCore.SocketAddress {
        get async throws { try await server.transport.listeningAddress }
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            // Child tasks inherit the preference: every connection and stream task of the transport.
            try await withTaskExecutorPreference(executor) {
                try await server.serve()
            }
        } onGracefulShutdown: {
            self.logger.info("gRPC server draining open streams")
            self.server.beginGracefulShutdown()
        }
    }
}
