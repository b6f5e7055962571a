import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// A serving certificate KubeLocal makes for itself at start (like kube-apiserver's self-signed
/// `apiserver.crt` when none is given): a P-256 key and a self-signed certificate for `localhost`,
/// `127.0.0.1`, `::1` and the listen host, valid for a year. Clients trust it through the PEM written into the
/// kubeconfig (`certificate-authority-data`).
public struct SelfSignedCertificate: Sendable {
    /// The certificate, PEM: the CA bundle a client trusts.
    public let certificatePEM: String
    /// The private key, PEM (PKCS#8).
    public let privateKeyPEM: String

    public init(hosts: [String] = [], now: Date = Date()) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("semroute")
            CommonName("kubelocal")
        }
        var names: [GeneralName] = []
        for host in Set(["localhost", "127.0.0.1", "::1"] + hosts) {
            if let bytes = Self.ipBytes(host) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))))
            } else if !host.isEmpty {
                names.append(.dnsName(host))
            }
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(names.sorted { "\($0)" < "\($1)" })
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(365 * 24 * 3600),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: .init(key))
        certificatePEM = try certificate.serializeAsPEM().pemString
        privateKeyPEM = key.pemRepresentation
    }

    /// The server side of TLS with this certificate.
    func serverConfiguration() throws -> TLSConfiguration {
        TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)))
    }

    /// 32 random bytes, hex: a bearer token.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// The address bytes of an IPv4 or IPv6 literal.
    static func ipBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
