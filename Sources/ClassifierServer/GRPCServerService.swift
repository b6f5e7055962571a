import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle

/// Runs a `GRPCServer` as a swift-service-lifecycle `Service`: serves until graceful shutdown, then stops
/// accepting new streams and returns once the open ones have finished (grpc-swift-2's own ServiceLifecycle
/// integration is a separate package we do not depend on).
final class GRPCServerService: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let logger: Logger

    init(server: GRPCServer<HTTP2ServerTransport.Posix>, logger: Logger) {
        self.server = server
        self.logger = logger
    }

    /// The bound address once the transport listens (useful with port 0).
    var listeningAddress: GRPCNIOTransportCore.SocketAddress {
        get async throws { try await server.transport.listeningAddress }
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            self.logger.info("gRPC server draining open streams")
            self.server.beginGracefulShutdown()
        }
    }
}
