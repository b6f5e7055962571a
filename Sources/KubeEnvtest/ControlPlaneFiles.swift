import Crypto
import Foundation
import KubeLocal

/// The files a test control plane starts from, generated fresh for each: a self-signed serving certificate
/// (also the CA clients trust and the controller manager signs with), a P-256 service-account key pair,
/// a static token file with one random token per user, and an audit policy.
struct ControlPlaneFiles {
    var servingCertificate: String
    var servingKey: String
    var certificateAuthorityPEM: String
    var serviceAccountPrivateKey: String
    var serviceAccountPublicKey: String
    var tokenFile: String
    var tokens: [String: String]
    var auditPolicy: String

    /// The audit policy: every request except the health and discovery endpoints, at level Metadata (who,
    /// verb, object, response code; never a body, so no Secret data reaches the log).
    static let auditPolicyYAML = """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: [RequestReceived]
        rules:
        - level: None
          nonResourceURLs: ["/readyz*", "/healthz*", "/livez*", "/version", "/api", "/apis", "/api/*", "/apis/*", "/openapi/*"]
        - level: Metadata

        """

    static func write(into directory: String, users: [(name: String, groups: [String])]) throws -> ControlPlaneFiles {
        let certificate = try SelfSignedCertificate(hosts: ["127.0.0.1", "localhost"])
        let serviceAccountKey = P256.Signing.PrivateKey()
        var tokens: [String: String] = [:]
        var tokenLines: [String] = []
        for (index, user) in users.enumerated() {
            let token = SelfSignedCertificate.randomToken()
            tokens[user.name] = token
            tokenLines.append("\(token),\(user.name),uid-\(index),\"\(user.groups.joined(separator: ","))\"")
        }
        let files = ControlPlaneFiles(
            servingCertificate: "\(directory)/serving.crt", servingKey: "\(directory)/serving.key",
            certificateAuthorityPEM: certificate.certificatePEM,
            serviceAccountPrivateKey: "\(directory)/sa.key", serviceAccountPublicKey: "\(directory)/sa.pub",
            tokenFile: "\(directory)/tokens.csv", tokens: tokens, auditPolicy: "\(directory)/audit-policy.yaml")
        for (path, text) in [
            (files.servingCertificate, certificate.certificatePEM), (files.servingKey, certificate.privateKeyPEM),
            (files.serviceAccountPrivateKey, serviceAccountKey.pemRepresentation),
            (files.serviceAccountPublicKey, serviceAccountKey.publicKey.pemRepresentation),
            (files.tokenFile, tokenLines.joined(separator: "\n") + "\n"), (files.auditPolicy, auditPolicyYAML),
        ] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o600)
        }
        return files
    }
}

/// Free loopback TCP ports, found by binding port 0. (The kernel may hand a port out again before the binary
/// binds it; the window is short and a clash shows as a start failure naming the binary.)
public enum FreePort {
    public static func allocate(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { for s in sockets { close(s) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard s >= 0 else { throw ControlPlaneError(what: "socket() failed: errno \(errno)", log: "") }
            sockets.append(s)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                    bind(s, raw, length) == 0 && getsockname(s, raw, &length) == 0
                }
            }
            guard bound else { throw ControlPlaneError(what: "binding a loopback port failed: errno \(errno)", log: "") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }
}
