import Foundation
import KubeClient
import KubeCore
import SemanticRouteAPI
import SemanticRouteRender

/// The operator's settings: flags first, then environment variables, then defaults, checked up front so a bad
/// value stops the process with a message naming the flag (docs/operations.md lists them). Logging settings
/// are the executable's (only it bootstraps logging).
public struct OperatorSettings: Sendable {
    /// What the command line gave (nil: not given).
    public struct Flags: Sendable {
        public var kubeconfig: String?
        public var context: String?
        public var namespaces: [String] = []
        public var leaderElect: Bool?
        public var leaseNamespace: String?
        public var leaseName: String?
        public var healthAddr: String?
        public var metricsAddr: String?
        public var classifierImage: String?
        public var classifierResources: String?
        public var concurrency: Int?
        /// `auto`, `v1.1` or `v1.2` (nil: env SEMROUTE_AI_GATEWAY_VERSION, else `auto`).
        public var aiGatewayVersion: String?
        /// The Prometheus that rollouts are judged from (nil: env SEMROUTE_PROMETHEUS_URL, else none).
        public var prometheusURL: String?
        public var resyncSeconds: Int = 600
        public var shutdownTimeoutSeconds: Int = 30

        public init() {}
    }

    /// A value that cannot be used; the message names the flag or variable and the reason.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    public var kubeconfig: String?
    public var context: String?
    public var namespaces: [String]
    public var leaderElect: Bool
    public var leaseNamespace: String?
    public var leaseName: String
    public var healthAddr: HostPort
    public var metricsAddr: HostPort
    public var classifierImage: String
    public var classifierResources: ClassifierSpec.Resources
    public var concurrency: Int
    /// The AI Gateway release to render for; nil: detect it from the installed AIGatewayRoute CRD at start.
    public var aiGatewayVersion: AIGatewayVersion?
    /// The Prometheus HTTP API rollouts are judged from; nil: rollouts hold, paused, saying so.
    public var prometheusURL: String?
    public var resyncSeconds: Int
    public var shutdownTimeoutSeconds: Int

    public init(flags c: Flags, environment env: [String: String]) throws(Invalid) {
        kubeconfig = c.kubeconfig
        context = c.context
        namespaces = c.namespaces.isEmpty
            ? (env["SEMROUTE_NAMESPACES"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            : c.namespaces
        for ns in namespaces where !DNSName.isLabel(ns) {
            throw Invalid("--namespace \"\(ns)\": not a valid namespace name")
        }
        let leaderElectEnv = try Self.bool(env["SEMROUTE_LEADER_ELECT"], name: "SEMROUTE_LEADER_ELECT")
        leaderElect = c.leaderElect ?? leaderElectEnv ?? false
        leaseNamespace = c.leaseNamespace ?? env["SEMROUTE_LEADER_ELECTION_NAMESPACE"]
        leaseName = c.leaseName ?? env["SEMROUTE_LEADER_ELECTION_NAME"] ?? "semroute-operator"
        healthAddr = try Self.address(c.healthAddr ?? env["SEMROUTE_HEALTH_ADDR"] ?? ":8081", flag: "--health-addr")
        metricsAddr = try Self.address(c.metricsAddr ?? env["SEMROUTE_METRICS_ADDR"] ?? ":8080", flag: "--metrics-addr")
        classifierImage = c.classifierImage ?? env["SEMROUTE_CLASSIFIER_IMAGE"] ?? Renderer.Options.defaultClassifierImage
        if let problem = ImageReference.unpinnedReason(classifierImage) {
            throw Invalid("--classifier-image \"\(classifierImage)\": \(problem)")
        }
        classifierResources = try Self.resources(c.classifierResources ?? env["SEMROUTE_CLASSIFIER_RESOURCES"])
        let concurrencyText = env["SEMROUTE_CONCURRENCY"]
        concurrency = c.concurrency ?? (concurrencyText.flatMap { Int($0) }) ?? 4
        if c.concurrency == nil, let concurrencyText, Int(concurrencyText) == nil {
            throw Invalid("SEMROUTE_CONCURRENCY \"\(concurrencyText)\": must be a number")
        }
        guard (1...64).contains(concurrency) else { throw Invalid("--concurrency \(concurrency): must be 1 to 64") }
        let aiGateway = c.aiGatewayVersion ?? env["SEMROUTE_AI_GATEWAY_VERSION"] ?? "auto"
        if aiGateway == "auto" {
            aiGatewayVersion = nil
        } else if let version = AIGatewayVersion(parsing: aiGateway) {
            aiGatewayVersion = version
        } else {
            throw Invalid("--ai-gateway-version \"\(aiGateway)\": must be auto, \(AIGatewayVersion.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        prometheusURL = c.prometheusURL ?? env["SEMROUTE_PROMETHEUS_URL"]
        if prometheusURL?.isEmpty == true { prometheusURL = nil }
        if let url = prometheusURL {
            let scheme = url.prefix { $0 != ":" }.lowercased()
            guard ["http", "https"].contains(scheme), url.hasPrefix(scheme + "://"), url.count > scheme.count + 3 else {
                throw Invalid("--prometheus-url \"\(url)\": must be an http:// or https:// URL, e.g. http://prometheus.monitoring:9090")
            }
        }
        resyncSeconds = c.resyncSeconds
        guard resyncSeconds >= 10 else { throw Invalid("--resync-seconds \(resyncSeconds): must be at least 10") }
        shutdownTimeoutSeconds = c.shutdownTimeoutSeconds
        guard shutdownTimeoutSeconds >= 1 else { throw Invalid("--shutdown-timeout-seconds: must be at least 1") }
    }

    /// `--kubeconfig` when given; in a pod (and without `KUBECONFIG`) the in-cluster config; else `KUBECONFIG`
    /// or `~/.kube/config`. `--context` picks the context.
    public func kubeConfig(environment env: [String: String]) throws -> KubeConfig {
        if let kubeconfig { return try KubeConfig.load(explicitPath: kubeconfig, context: context) }
        if env["KUBERNETES_SERVICE_HOST"] != nil && env["KUBECONFIG"] == nil { return try KubeConfig.inCluster() }
        return try KubeConfig.load(context: context)
    }

    /// `--classifier-resources`: `{"requests": {...}, "limits": {...}}` with Kubernetes quantities.
    static func resources(_ text: String?) throws(Invalid) -> ClassifierSpec.Resources {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return Renderer.Options.defaultClassifierResources }
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw Invalid("--classifier-resources: not valid resources JSON: \(error)")
        }
        guard case .object(let object) = value, object.keys.allSatisfy({ $0 == "requests" || $0 == "limits" }) else {
            throw Invalid("--classifier-resources: expected a JSON object with only \"requests\" and \"limits\"")
        }
        if let problem = ClassifierSpec.validateResources(value).first {
            throw Invalid("--classifier-resources: \(problem)")
        }
        do {
            return try value.decode(ClassifierSpec.Resources.self)
        } catch {
            throw Invalid("--classifier-resources: not valid resources JSON: \(error)")
        }
    }

    static func bool(_ text: String?, name: String) throws(Invalid) -> Bool? {
        guard let text else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no", "": return false
        default: throw Invalid("\(name) \"\(text)\": must be true or false")
        }
    }

    static func address(_ text: String, flag: String) throws(Invalid) -> HostPort {
        guard let address = HostPort(text) else { throw Invalid("\(flag) \"\(text)\": must be [host]:port") }
        return address
    }
}
