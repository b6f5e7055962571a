import ClassifierServer
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import Logging
import SemanticRouteController
import ServiceLifecycle
import Synchronization
import SemanticRouteRender

/// `semroute dev`'s classifier: it follows one SemanticRoute's rendered ConfigMap (`<route>-classifier`,
/// key `config.json`), copies it to a file under the data folder whenever it changes, and — once the first
/// config exists — starts a ``ClassifierServer`` on that file inside the dev ServiceGroup. Later changes
/// reach the running classifier through its own reload (it re-reads the file every few seconds).
///
/// Which route: `preferredRoute` (`namespace.name`, the sample's by default) when set, else the first
/// route whose ConfigMap appears. When the followed route's ConfigMap goes (the route was deleted), the
/// classifier stops classifying (503, as before the first config) and the file is removed; when the route
/// is created again, its config is served again. The classifier keeps following that one route.
final class DevClassifier: Service, Sendable {
    typealias MakeServer = @Sendable (_ configPath: String) -> ClassifierServer

    let informer: Informer
    let configPath: String
    /// The bound ports once the classifier listens.
    let ports = DevOnce<ClassifierServer.Ports>()
    /// The route (`namespace.name`) whose config the classifier serves, once chosen.
    let followed = DevOnce<String>()
    private let preferredRoute: String?
    private let changes: AsyncStream<StoreChange>
    private let makeServer: MakeServer
    private let group: DevOnce<ServiceGroup>
    /// The classifier once started (it keeps its ports for the life of the process), and whether its config
    /// was unloaded because the route went.
    private let running = Mutex<(server: ClassifierServer?, unloaded: Bool)>((nil, false))
    private let logger: Logger

    init(client: KubeClient, configPath: String, preferredRoute: String?, group: DevOnce<ServiceGroup>,
         logger: Logger, makeServer: @escaping MakeServer) {
        self.configPath = configPath
        self.preferredRoute = preferredRoute
        self.group = group
        self.makeServer = makeServer
        self.logger = logger
        let selector = LabelSelector(matchLabels: [RouteLabels.managedByKey: RouteLabels.managedByValue])
        informer = Informer(resource: .configMaps, source: KubeListWatch(client: client, resource: .configMaps, labelSelector: selector),
                            logger: logger)
        changes = informer.changes()
    }

    var services: [any Service] { [informer, self] }

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            for await change in self.changes {
                switch change {
                case .applied(_, let configMap): try await self.handle(configMap)
                case .deleted(let configMap): self.remove(configMap)
                }
            }
        }
    }

    private func handle(_ configMap: JSONValue) async throws {
        guard let route = configMap[path: "metadata", "labels", RouteLabels.routeKey]?.stringValue,
              let config = configMap[path: "data", "config.json"]?.stringValue else { return }
        if followed.value == nil {
            guard preferredRoute == nil || preferredRoute == route else { return }
            followed.set(route)
        }
        guard followed.value == route else { return }
        let bytes = Data(config.utf8)
        if (try? Data(contentsOf: URL(fileURLWithPath: configPath))) != bytes {
            try FileManager.default.createDirectory(atPath: (configPath as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try bytes.write(to: URL(fileURLWithPath: configPath), options: .atomic)
            logger.info("classifier config updated", metadata: ["route": "\(route)", "config.path": "\(configPath)"])
        }
        if case let (started, unloaded)? = running.withLock({ r in r.server.map { ($0, r.unloaded) } }) {
            guard unloaded else { return }  // the running classifier's reload picks up the new file
            do {
                try started.loadConfig()
            } catch {
                DevConsole.say("the classifier cannot load route \(route)'s config: \(error) (waiting for a change)")
                return
            }
            running.withLock { $0.unloaded = false }
            DevConsole.say("route \(route) is back: the classifier serves its config again")
            return
        }
        let server = makeServer(configPath)
        do {
            try server.loadConfig()
        } catch {
            DevConsole.say("the classifier cannot load route \(route)'s config: \(error) (waiting for a change)")
            return
        }
        guard let group = await group.wait() else { return }
        running.withLock { $0.server = server }
        for service in server.services { await group.addServiceUnlessShutdown(service) }
        ports.set(try await server.ports())
    }

    /// The followed route's ConfigMap is gone (the route was deleted): stop serving its config.
    private func remove(_ configMap: JSONValue) {
        guard let route = configMap[path: "metadata", "labels", RouteLabels.routeKey]?.stringValue,
              followed.value == route else { return }
        // Without the file, a restart or the periodic check cannot bring the deleted route's config back.
        try? FileManager.default.removeItem(atPath: configPath)
        let started = running.withLock { r -> ClassifierServer? in
            guard let server = r.server, !r.unloaded else { return nil }
            r.unloaded = true
            return server
        }
        guard let started else { return }
        started.unloadConfig()
        logger.info("classifier config removed", metadata: ["route": "\(route)", "config.path": "\(configPath)"])
        DevConsole.say("route \(route) is gone: the classifier stops classifying (503) until it is created again")
    }
}
