import Foundation

extension LocalAPIServer {
    /// A kubeconfig for this server, as the admin: the server URL, the self-signed certificate as
    /// `certificate-authority-data` and the admin token when serving HTTPS, else no credentials.
    /// `name` names the cluster, user and context; `namespace` is the context's default.
    public func kubeconfig(name: String = "kubelocal", namespace: String = "default", comment: String? = nil) -> String {
        let authority = certificateAuthorityPEM.map { "\n    certificate-authority-data: \(Data($0.utf8).base64EncodedString())" } ?? ""
        return """
            \(comment.map { "# \($0)\n" } ?? "")apiVersion: v1
            kind: Config
            clusters:
            - name: \(name)
              cluster:
                server: \(baseURL)\(authority)
            contexts:
            - name: \(name)
              context:
                cluster: \(name)
                user: \(name)
                namespace: \(namespace)
            current-context: \(name)
            users:
            - name: \(name)
              user: \(adminToken.map { "{token: \($0)}" } ?? "{}")

            """
    }
}
