// Usage (tests, `semroute apiserver`, `semroute dev`):
//
//     let server = try await LocalAPIServer.start(.init(port: 0))   // port 0: any free port
//     defer { Task { await server.stop() } }                        // or: try await server.stop() at the end
//     server.baseURL                      // "http://127.0.0.1:54321" — point a kubeconfig or client here
//     server.faults.fail(verb: "list", resource: "semanticroutes", code: 500, count: 2)
//     server.faults.fail(verb: "patch", code: 429, retryAfterSeconds: 1)
//     server.faults.setLatency(.milliseconds(50))
//     await server.dropAllWatches()       // every open watch connection is cut
//     await server.sendBookmarks()        // a BOOKMARK now to every watch that allowed them
//     server.requestLog.writes.isEmpty    // "no writes happened"; .count(verb:resource:), .counts
//     try await server.registerCRDs(fromDirectory: path)  // load CRD YAML files before a test
//
// Scoped form (stops the server when the body returns or throws):
//
//     try await LocalAPIServer.withRunning(.init()) { server in ... }
//
// The server speaks kube-apiserver's REST protocol over plain HTTP, or HTTPS with `selfSignedTLS`. Without `authentication` every request is
// allowed; with it, bearer tokens act as their users under RBAC (requests without a token are the admin). See
// docs/local-api-server.md for what is implemented.
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import KubeCore
import Logging
import NIOCore
import ServiceLifecycle

/// An in-memory Kubernetes API server (KubeLocal) listening on a local port.
public final class LocalAPIServer: Sendable {
    public struct Configuration: Sendable {
        /// `0` picks a free port.
        public var port: Int
        public var host: String
        /// How many recent changes a watch can resume from; older resourceVersions get 410 `Expired`.
        public var historyCapacity: Int
        /// How often a watch that allowed bookmarks gets one.
        public var bookmarkInterval: Duration
        /// How long a watch without `timeoutSeconds` stays open.
        public var watchTimeout: Duration
        /// Snapshot directory: objects are loaded from it on start and written to it after changes.
        public var dataDirectory: String?
        /// Bearer tokens to accept; requests with one are authorised by RBAC against the stored Roles,
        /// ClusterRoles and bindings (docs/local-api-server.md). nil: no authorisation, every request allowed.
        public var authentication: TokenAuthentication?
        /// Serve HTTPS with a certificate made at start (``SelfSignedCertificate``); clients trust
        /// ``LocalAPIServer/certificateAuthorityPEM``. kubectl sends bearer tokens only over HTTPS.
        public var selfSignedTLS: Bool
        public var logger: Logger

        public init(port: Int = 0, host: String = "127.0.0.1", historyCapacity: Int = 10_000,
                    bookmarkInterval: Duration = .seconds(60), watchTimeout: Duration = .seconds(1800),
                    dataDirectory: String? = nil, authentication: TokenAuthentication? = nil,
                    selfSignedTLS: Bool = false, logger: Logger = Logger(label: "kubelocal")) {
            self.port = port
            self.host = host
            self.historyCapacity = historyCapacity
            self.bookmarkInterval = bookmarkInterval
            self.watchTimeout = watchTimeout
            self.dataDirectory = dataDirectory
            self.authentication = authentication
            self.selfSignedTLS = selfSignedTLS
            self.logger = logger
        }
    }

    /// `http://host:port`, or `https://host:port` with ``Configuration/selfSignedTLS``.
    public let baseURL: String
    public let port: Int
    /// The serving certificate (PEM) clients must trust, with ``Configuration/selfSignedTLS``.
    public let certificateAuthorityPEM: String?
    /// With ``Configuration/selfSignedTLS``: a bearer token made at start for the admin (user `kubelocal-admin`,
    /// group `system:masters`). kubectl asks for a user name over HTTPS when a kubeconfig has no credentials.
    public let adminToken: String?
    /// Test-only fault injection.
    public let faults: FaultInjector
    /// Every request answered so far.
    public let requestLog: RequestLog
    let store: ObjectStore
    private let group: ServiceGroup
    private let runner: Task<Void, Error>
    private let snapshotter: Snapshotter?

    private init(baseURL: String, port: Int, certificateAuthorityPEM: String?, adminToken: String?, faults: FaultInjector,
                 requestLog: RequestLog, store: ObjectStore, group: ServiceGroup, runner: Task<Void, Error>,
                 snapshotter: Snapshotter?) {
        self.baseURL = baseURL
        self.port = port
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.adminToken = adminToken
        self.faults = faults
        self.requestLog = requestLog
        self.store = store
        self.group = group
        self.runner = runner
        self.snapshotter = snapshotter
    }

    /// Starts listening and returns once the port is bound. The server runs until ``stop()``.
    public static func start(_ configuration: Configuration = Configuration()) async throws -> LocalAPIServer {
        let store = ObjectStore(historyCapacity: configuration.historyCapacity, logger: configuration.logger)
        var snapshotter: Snapshotter?
        if let dir = configuration.dataDirectory {
            let s = Snapshotter(directory: dir, logger: configuration.logger)
            try await s.load(into: store)
            snapshotter = s
        }
        let faults = FaultInjector()
        let log = RequestLog()
        var authentication = configuration.authentication
        let adminToken = configuration.selfSignedTLS ? SelfSignedCertificate.randomToken() : nil
        if let adminToken, authentication != nil {
            authentication?.add(token: adminToken, user: UserInfo(name: "kubelocal-admin", groups: ["system:masters"]))
        }
        let responder = APIResponder(store: store, faults: faults, log: log,
                                     watchSettings: .init(bookmarkInterval: configuration.bookmarkInterval,
                                                          defaultTimeout: configuration.watchTimeout),
                                     logger: configuration.logger, snapshotter: snapshotter,
                                     authentication: authentication)
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        var certificate: SelfSignedCertificate?
        var server: HTTPServerBuilder = .http1()
        if configuration.selfSignedTLS {
            let made = try SelfSignedCertificate(hosts: [configuration.host])
            server = try .tls(.http1(), tlsConfiguration: made.serverConfiguration())
            certificate = made
        }
        let app = Application(
            responder: responder,
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "kubelocal"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? configuration.port)
                portContinuation.finish()
            },
            logger: configuration.logger)
        // The server's lifetime is owned by the returned handle: `stop()` shuts the group down gracefully and
        // awaits this task. Cancelling the server instead can drop a connection NIO accepted but the server loop
        // never picked up, and NIO traps on that ("Deinited NIOAsyncWriter without calling finish()",
        // apple/swift-nio#2637); graceful shutdown closes the listener and serves what was already accepted.
        var groupConfiguration = ServiceGroupConfiguration(services: [.init(service: app)], logger: configuration.logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(10)
        let group = ServiceGroup(configuration: groupConfiguration)
        let runner = Task {
            defer { portContinuation.finish() }
            try await group.run()
        }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else {
            await group.triggerGracefulShutdown()
            _ = try await runner.value
            throw StartError(reason: "the server stopped before it was listening on \(configuration.host):\(configuration.port)")
        }
        configuration.logger.info("KubeLocal listening", metadata: ["http.port": "\(port)"])
        let scheme = certificate == nil ? "http" : "https"
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return LocalAPIServer(baseURL: "\(scheme)://\(host):\(port)", port: port,
                              certificateAuthorityPEM: certificate?.certificatePEM, adminToken: adminToken,
                              faults: faults, requestLog: log,
                              store: store, group: group, runner: runner, snapshotter: snapshotter)
    }

    public struct StartError: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Runs `body` with a started server and stops it afterwards.
    public static func withRunning<T: Sendable>(_ configuration: Configuration = Configuration(),
                                                _ body: (LocalAPIServer) async throws -> T) async throws -> T {
        let server = try await start(configuration)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Stops listening, ends every watch (and refuses new ones), lets requests in flight finish, and writes a
    /// final snapshot (when configured).
    public func stop() async {
        await store.close()
        await group.triggerGracefulShutdown()
        _ = try? await runner.value
        if let snapshotter { try? await snapshotter.save(store) }
    }

    /// Waits until the server stops; cancelling the calling task stops it as ``stop()`` does.
    public func wait() async {
        await withTaskCancellationHandler {
            _ = try? await runner.value
        } onCancel: {
            Task { await self.stop() }
        }
        if let snapshotter { try? await snapshotter.save(store) }
    }

    /// Cuts every open watch connection; returns how many there were.
    @discardableResult
    public func dropAllWatches() async -> Int { await store.dropAllWatches() }

    /// Sends a BOOKMARK at the current resourceVersion to every watch that allowed bookmarks.
    public func sendBookmarks() async { await store.sendBookmarks() }

    /// The number of open watches.
    public func watchCount() async -> Int { await store.watcherCount }

    /// The current global resourceVersion.
    public func resourceVersion() async -> String { String(await store.currentRevision()) }

    /// Creates (or replaces) CustomResourceDefinitions from every `*.yaml` file in a directory.
    public func registerCRDs(fromDirectory directory: String) async throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        for name in names {
            let text = try String(contentsOfFile: (directory as NSString).appendingPathComponent(name), encoding: .utf8)
            for document in try YAMLReader.documents(text) where document["kind"] == "CustomResourceDefinition" {
                try await registerCRD(document)
            }
        }
    }

    /// Creates (or replaces) one CustomResourceDefinition object.
    public func registerCRD(_ crd: JSONValue) async throws {
        guard let type = await store.type(group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions"),
              let name = crd[path: "metadata", "name"]?.stringValue else {
            throw StartError(reason: "not a CustomResourceDefinition with metadata.name")
        }
        if (try? await store.get(type, namespace: nil, name: name)) == nil {
            _ = try await store.create(type, namespace: nil, object: crd, options: WriteOptions())
        } else {
            let replacement = Replacement(object: crd)
            _ = try await store.patch(type, namespace: nil, name: name, options: WriteOptions(), replacement.patch)
        }
    }
}

/// A patch function that replaces the object with a fixed one.
struct Replacement: Sendable {
    var object: JSONValue
    func patch(_ current: JSONValue?) throws(APIError) -> JSONValue { object }
}
