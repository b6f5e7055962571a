import Foundation

/// Everything needed to talk to one API server: where it is, how to trust it, who we are.
/// Built from a kubeconfig (``KubeConfig/load(explicitPath:context:environment:homeDirectory:)``) or from the
/// service-account mount in a pod (``KubeConfig/inCluster(environment:serviceAccountDirectory:)``).
public struct KubeConfig: Sendable {
    /// `https://host:port` (or `http://` for a local test server), without a trailing slash.
    public var server: URL
    /// PEM bundle of CAs to trust; `nil` uses the system trust store.
    public var certificateAuthorityPEM: [UInt8]?
    /// PEM client certificate and key for mutual TLS.
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    /// Skip TLS verification of the server (kubeconfig `insecure-skip-tls-verify`).
    public var insecureSkipTLSVerify: Bool
    /// Overrides the name checked against the server certificate (kubeconfig `tls-server-name`).
    public var tlsServerName: String?
    /// Where the bearer token comes from, if any.
    public var token: TokenSource?
    /// The default namespace of the context (`default` when the context names none).
    public var namespace: String
    /// Where this configuration came from, for log lines (never contains secrets).
    public var origin: String

    public init(server: URL, certificateAuthorityPEM: [UInt8]? = nil, clientCertificatePEM: [UInt8]? = nil,
                clientKeyPEM: [UInt8]? = nil, insecureSkipTLSVerify: Bool = false, tlsServerName: String? = nil,
                token: TokenSource? = nil, namespace: String = "default", origin: String = "explicit") {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.tlsServerName = tlsServerName
        self.token = token
        self.namespace = namespace
        self.origin = origin
    }
}

/// A kubeconfig or in-cluster configuration that cannot be used; names the file, the field and the reason.
public struct KubeConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file (or `in-cluster`) the problem is in.
    public var source: String
    /// The field, e.g. `users[admin].user.exec`; empty when the whole source is at fault.
    public var field: String
    public var reason: String

    public init(source: String, field: String, reason: String) {
        self.source = source
        self.field = field
        self.reason = reason
    }

    public var description: String {
        field.isEmpty ? "kubeconfig \(source): \(reason)" : "kubeconfig \(source): \(field): \(reason)"
    }
}
