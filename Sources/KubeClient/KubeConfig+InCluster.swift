import Foundation

extension KubeConfig {
    /// The service-account mount kubelet provides in every pod.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// In-cluster configuration: `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT`, the service-account CA
    /// bundle, the token (re-read every minute, as it is rotated), and the pod's namespace.
    public static func inCluster(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 serviceAccountDirectory: String = KubeConfig.serviceAccountDirectory) throws -> KubeConfig {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw KubeConfigError(source: "in-cluster", field: "KUBERNETES_SERVICE_HOST",
                                  reason: "is not set; not running in a pod (use --kubeconfig)")
        }
        guard let port = environment["KUBERNETES_SERVICE_PORT"], let portNumber = Int(port),
              (1...65535).contains(portNumber) else {
            throw KubeConfigError(source: "in-cluster", field: "KUBERNETES_SERVICE_PORT",
                                  reason: "must be a port number")
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        guard let server = URL(string: "https://\(hostPart):\(portNumber)") else {
            throw KubeConfigError(source: "in-cluster", field: "KUBERNETES_SERVICE_HOST", reason: "is not a valid host")
        }
        let tokenPath = serviceAccountDirectory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubeConfigError(source: "in-cluster", field: tokenPath, reason: "service-account token is not readable")
        }
        let caPath = serviceAccountDirectory + "/ca.crt"
        guard let ca = FileManager.default.contents(atPath: caPath) else {
            throw KubeConfigError(source: "in-cluster", field: caPath, reason: "service-account CA bundle is not readable")
        }
        let namespace = FileManager.default.contents(atPath: serviceAccountDirectory + "/namespace")
            .flatMap { String(data: $0, encoding: .utf8) }?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return KubeConfig(server: server, certificateAuthorityPEM: Array(ca), token: TokenSource(.file(tokenPath)),
                          namespace: namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default", origin: "in-cluster")
    }
}
