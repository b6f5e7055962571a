import Hummingbird
import Logging
import NIOCore
import Prometheus

/// The operator's HTTP endpoints: `/healthz` (the process is up), `/readyz` (every store has synced — true for
/// a leader and a standby alike) and `/metrics` (Prometheus text). Health and metrics may share one address.
public enum OperatorHTTPServer {
    /// `onServing` is called with the paths and the bound port of each server once it listens (a `:0` port is
    /// only known then).
    public static func applications(healthAddress: HostPort, metricsAddress: HostPort, registry: PrometheusCollectorRegistry,
                                    isReady: @escaping @Sendable () -> Bool, logger: Logger,
                                    onServing: @escaping @Sendable (_ paths: String, _ port: Int) -> Void = { _, _ in })
        -> [any ApplicationProtocol] {
        let health = Router()
        health.get("/healthz") { _, _ in "ok\n" }
        health.get("/readyz") { _, _ -> Response in
            isReady() ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "stores not synced\n")))
        }
        let metricsRoute: @Sendable (Request, BasicRequestContext) async throws -> Response = { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        func application(_ router: Router<BasicRequestContext>, _ address: HostPort, serves paths: String) -> any ApplicationProtocol {
            Application(router: router, configuration: .init(address: address.bindAddress), onServerRunning: { channel in
                // The bound address (a `:0` port is only known now): probes, scrapers and tests read it here.
                onServing(paths, channel.localAddress?.port ?? address.port)
                logger.info("serving", metadata: ["http.paths": "\(paths)",
                                                  "net.address": "\(channel.localAddress?.description ?? "\(address)")",
                                                  "net.port": "\(channel.localAddress?.port ?? address.port)"])
            }, logger: logger)
        }
        if healthAddress == metricsAddress {
            health.get("/metrics", use: metricsRoute)
            return [application(health, healthAddress, serves: "/healthz,/readyz,/metrics")]
        }
        let metrics = Router()
        metrics.get("/metrics", use: metricsRoute)
        return [application(health, healthAddress, serves: "/healthz,/readyz"),
                application(metrics, metricsAddress, serves: "/metrics")]
    }
}
