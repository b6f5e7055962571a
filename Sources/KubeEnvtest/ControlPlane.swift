import Foundation
import KubeClient
import KubeCore
import KubeLocal
import Logging
import Synchronization

/// A real Kubernetes control plane on loopback for tests: etcd, kube-apiserver (HTTPS with a generated
/// certificate, static tokens, RBAC, an audit log of every request) and, on request, kube-controller-manager
/// (garbage collection, namespace deletion, ReplicaSets). Start one per test suite, never per test; ``stop()``
/// tears it down by PID and removes its folder. The binaries come from ``EnvtestAssets``.
public final class ControlPlane: Sendable {
    public struct Options: Sendable {
        /// Also run kube-controller-manager (needed for garbage collection and namespace deletion).
        public var controllerManager: Bool
        /// CRD manifests (files or folders of `.yaml`) to install and wait for, before ``start(_:options:)`` returns.
        public var crdPaths: [String]
        public init(controllerManager: Bool = false, crdPaths: [String] = []) {
            self.controllerManager = controllerManager
            self.crdPaths = crdPaths
        }
    }

    /// Who a test acts as. Each has its own static token; the audit log names the user of every request.
    public enum User: String, Sendable, CaseIterable {
        /// `system:masters`: the test's own setup and assertions.
        case admin = "envtest-admin"
        /// No groups: what it may do comes from RBAC objects the test creates (e.g. the chart's ClusterRole).
        case operatorUser = "semroute-operator"
        /// A second identity with `system:masters`, for "another manager" in server-side-apply tests.
        case otherManager = "other-manager"
        case controllerManager = "system:kube-controller-manager"

        var groups: [String] {
            switch self {
            case .admin, .otherManager: ["system:masters"]
            case .operatorUser, .controllerManager: []
            }
        }
    }

    /// `https://127.0.0.1:PORT`.
    public let server: URL
    /// The serving certificate, PEM; clients trust it as their CA.
    public let certificateAuthorityPEM: String
    /// Where the control plane keeps its files (certificates, tokens, logs, etcd data).
    public let directory: String
    /// The kube-apiserver audit log: one JSON line per request (see ``AuditLog``).
    public let auditLogPath: String
    private let tokens: [User: String]
    /// etcd, kube-apiserver and (once started) kube-controller-manager, in start order.
    private let running: Mutex<[ChildProcess]>
    private var processes: [ChildProcess] { running.withLock { $0 } }

    private init(server: URL, certificateAuthorityPEM: String, directory: String, auditLogPath: String,
                 tokens: [User: String], processes: [ChildProcess]) {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.directory = directory
        self.auditLogPath = auditLogPath
        self.tokens = tokens
        self.running = Mutex(processes)
    }

    /// A client configuration acting as `user`.
    public func config(as user: User = .admin) -> KubeConfig {
        KubeConfig(server: server, certificateAuthorityPEM: Array(certificateAuthorityPEM.utf8),
                   token: TokenSource(.value(tokens[user]!)), origin: "envtest (\(user.rawValue))")
    }

    /// A kubeconfig file for `user` (for kubectl and the `semroute` binary), written into the control plane's folder.
    public func kubeconfigFile(as user: User = .admin) throws -> String {
        let path = "\(directory)/kubeconfig-\(user.rawValue.replacingOccurrences(of: ":", with: "-"))"
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: envtest
              cluster:
                server: \(server.absoluteString)
                certificate-authority-data: \(Data(certificateAuthorityPEM.utf8).base64EncodedString())
            contexts:
            - name: envtest
              context: {cluster: envtest, user: envtest, namespace: default}
            current-context: envtest
            users:
            - name: envtest
              user: {token: \(tokens[user]!)}

            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The audit log, read from its start.
    public func auditLog() -> AuditLog { AuditLog(path: auditLogPath) }

    // MARK: - Start and stop

    /// Starts etcd and kube-apiserver (and kube-controller-manager when asked), waits until the API server is
    /// ready, installs the CRDs and waits until they are established.
    public static func start(_ assets: EnvtestAssets, options: Options = Options(),
                             logger: Logger = Logger(label: "envtest")) async throws -> ControlPlane {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("semroute-envtest-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var started: [ChildProcess] = []
        do {
            let files = try ControlPlaneFiles.write(into: directory, users: User.allCases.map { ($0.rawValue, $0.groups) })
            let tokens = Dictionary(uniqueKeysWithValues: User.allCases.map { ($0, files.tokens[$0.rawValue]!) })
            let ports = try FreePort.allocate(4)
            started.append(try startEtcd(assets, directory: directory, clientPort: ports[0], peerPort: ports[1]))
            let server = URL(string: "https://127.0.0.1:\(ports[2])")!
            started.append(try startAPIServer(assets, directory: directory, files: files, port: ports[2],
                                              etcdPort: ports[0]))
            let plane = ControlPlane(server: server, certificateAuthorityPEM: files.certificateAuthorityPEM,
                                     directory: directory, auditLogPath: "\(directory)/audit.log", tokens: tokens,
                                     processes: started)
            let admin = try KubeClient(config: plane.config(), retryPolicy: RetryPolicy(maxAttempts: 1),
                                       requestTimeout: .seconds(10), logger: logger)
            do {
                try await waitUntil("kube-apiserver /readyz", seconds: 90, processes: started) {
                    await admin.probe("/readyz") == 200
                }
                // CRDs first: kube-controller-manager's garbage collector sees a CRD created after it started
                // only at its next discovery resync (up to ~30 s).
                try await plane.installCRDs(options.crdPaths, client: admin)
                if options.controllerManager {
                    let kcm = try await plane.startControllerManager(assets, files: files, port: ports[3], admin: admin,
                                                                     logger: logger)
                    started.append(kcm)
                    plane.running.withLock { $0.append(kcm) }
                }
            } catch {
                try? await admin.shutdown()
                throw error
            }
            try? await admin.shutdown()
            return plane
        } catch {
            for process in started.reversed() { await process.stop() }
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    private static func startEtcd(_ assets: EnvtestAssets, directory: String, clientPort: Int,
                                  peerPort: Int) throws -> ChildProcess {
        let client = "http://127.0.0.1:\(clientPort)"
        let peer = "http://127.0.0.1:\(peerPort)"
        return try ChildProcess(name: "etcd", executable: assets.etcd, arguments: [
            "--name=default", "--data-dir=\(directory)/etcd",
            "--listen-client-urls=\(client)", "--advertise-client-urls=\(client)",
            "--listen-peer-urls=\(peer)", "--initial-advertise-peer-urls=\(peer)",
            "--initial-cluster=default=\(peer)", "--initial-cluster-state=new",
            // Test data: durability is not needed and fsync dominates write latency on shared disks.
            "--unsafe-no-fsync=true",
        ], logPath: "\(directory)/etcd.log")
    }

    private static func startAPIServer(_ assets: EnvtestAssets, directory: String, files: ControlPlaneFiles,
                                       port: Int, etcdPort: Int) throws -> ChildProcess {
        try ChildProcess(name: "kube-apiserver", executable: assets.kubeAPIServer, arguments: [
            "--etcd-servers=http://127.0.0.1:\(etcdPort)", "--secure-port=\(port)",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
            "--tls-cert-file=\(files.servingCertificate)", "--tls-private-key-file=\(files.servingKey)",
            "--service-account-issuer=https://kubernetes.default.svc",
            "--service-account-key-file=\(files.serviceAccountPublicKey)",
            "--service-account-signing-key-file=\(files.serviceAccountPrivateKey)",
            // A /16: a /24 runs out after ~250 Services (the 1,000-route benchmark makes one per route).
            "--service-cluster-ip-range=10.96.0.0/16", "--endpoint-reconciler-type=none",
            "--token-auth-file=\(files.tokenFile)", "--authorization-mode=RBAC",
            "--audit-policy-file=\(files.auditPolicy)", "--audit-log-path=\(directory)/audit.log",
            "--audit-log-mode=blocking",
        ], logPath: "\(directory)/kube-apiserver.log")
    }

    /// kube-controller-manager as `system:kube-controller-manager` (bound to its built-in ClusterRole), with
    /// per-controller service-account credentials; healthy when its `/healthz` says ok.
    private func startControllerManager(_ assets: EnvtestAssets, files: ControlPlaneFiles, port: Int,
                                        admin: KubeClient, logger: Logger) async throws -> ChildProcess {
        _ = try await admin.apply(
            APIResource(group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterrolebindings",
                        kind: "ClusterRoleBinding", namespaced: false),
            name: "envtest:kube-controller-manager", [
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                            "name": "system:kube-controller-manager"],
                "subjects": [["apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                              "name": "system:kube-controller-manager"]],
            ], options: ApplyOptions(fieldManager: "envtest"))
        let kubeconfig = try kubeconfigFile(as: .controllerManager)
        let process = try ChildProcess(name: "kube-controller-manager", executable: assets.kubeControllerManager, arguments: [
            "--kubeconfig=\(kubeconfig)", "--authentication-kubeconfig=\(kubeconfig)",
            "--authorization-kubeconfig=\(kubeconfig)", "--bind-address=127.0.0.1", "--secure-port=\(port)",
            "--leader-elect=false", "--use-service-account-credentials=true",
            "--service-account-private-key-file=\(files.serviceAccountPrivateKey)",
            "--root-ca-file=\(files.servingCertificate)",
            "--cluster-signing-cert-file=\(files.servingCertificate)", "--cluster-signing-key-file=\(files.servingKey)",
        ], logPath: "\(directory)/kube-controller-manager.log")
        let probe = try KubeClient(config: KubeConfig(server: URL(string: "https://127.0.0.1:\(port)")!,
                                                      insecureSkipTLSVerify: true),
                                   retryPolicy: RetryPolicy(maxAttempts: 1), requestTimeout: .seconds(5), logger: logger)
        do {
            try await Self.waitUntil("kube-controller-manager /healthz", seconds: 60, processes: processes + [process]) {
                await probe.probe("/healthz") == 200
            }
        } catch {
            try? await probe.shutdown()
            await process.stop()
            throw error
        }
        try? await probe.shutdown()
        return process
    }

    /// Stops kube-controller-manager, kube-apiserver and etcd (in that order) and removes the folder.
    public func stop() async {
        for process in processes.reversed() { await process.stop() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `body` with a started control plane and stops it afterwards, also when `body` throws.
    public static func withRunning<T: Sendable>(_ assets: EnvtestAssets, options: Options = Options(),
                                                _ body: (ControlPlane) async throws -> T) async throws -> T {
        let plane = try await start(assets, options: options)
        do {
            let result = try await body(plane)
            await plane.stop()
            return result
        } catch {
            await plane.stop()
            throw error
        }
    }

    // MARK: - CRDs

    /// Creates every CRD in `paths` (files or folders) and waits until each is Established.
    public func installCRDs(_ paths: [String], client: KubeClient) async throws {
        var names: [String] = []
        for path in paths {
            for document in try Self.crdDocuments(path) {
                guard let name = document[path: "metadata", "name"]?.stringValue else { continue }
                _ = try await client.create(.customResourceDefinitions, document)
                names.append(name)
            }
        }
        for name in names {
            try await Self.waitUntil("CRD \(name) Established", seconds: 30, processes: processes) {
                guard let crd = try? await client.get(.customResourceDefinitions, name: name) else { return false }
                return crd[path: "status", "conditions"]?.arrayValue?.contains {
                    $0["type"]?.stringValue == "Established" && $0["status"]?.stringValue == "True"
                } ?? false
            }
        }
    }

    static func crdDocuments(_ path: String) throws -> [JSONValue] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ControlPlaneError(what: "CRD path \(path) does not exist", log: "")
        }
        let files = isDirectory.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted().map { "\(path)/\($0)" }
            : [path]
        return try files.flatMap { file in
            try YAMLReader.documents(try String(contentsOfFile: file, encoding: .utf8))
                .filter { $0["kind"]?.stringValue == "CustomResourceDefinition" }
        }
    }

    // MARK: - Waiting

    /// Polls `ready` (every 100 ms, the way envtest polls readiness endpoints: a process has no event to
    /// wait for) until it holds, a process exits, or the deadline passes.
    static func waitUntil(_ what: String, seconds: Double, processes: [ChildProcess],
                          _ ready: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            if await ready() { return }
            if let dead = processes.first(where: { !$0.isRunning }) {
                throw ControlPlaneError(what: "\(dead.name) exited while waiting for \(what)", log: dead.logTail())
            }
            guard ContinuousClock.now < deadline else {
                throw ControlPlaneError(what: "timed out after \(Int(seconds)) s waiting for \(what)",
                                        log: processes.map { "--- \($0.name)\n\($0.logTail(8))" }.joined(separator: "\n"))
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// A control plane that could not start, with the end of the failing binary's log.
public struct ControlPlaneError: Error, CustomStringConvertible {
    public var what: String
    public var log: String
    public var description: String { log.isEmpty ? "envtest: \(what)" : "envtest: \(what)\n\(log)" }
}
