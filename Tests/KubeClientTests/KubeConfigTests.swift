import Foundation
import Testing
@testable import KubeClient

@Suite("kubeconfig and in-cluster configuration", .timeLimit(.minutes(2)))
struct KubeConfigTests {
    static let basic = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: local
          cluster:
            server: https://127.0.0.1:6443/
            certificate-authority-data: \(Data("CA-PEM".utf8).base64EncodedString())
        - name: other
          cluster:
            server: http://10.0.0.1:8080
            insecure-skip-tls-verify: true
        users:
        - name: admin
          user:
            token: s3cret
        - name: robot
          user:
            tokenFile: token.txt
        contexts:
        - name: dev
          context: {cluster: local, user: admin, namespace: team-a}
        - name: ops
          context: {cluster: other, user: robot}
        """

    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kubeconfig-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("uses the current context's cluster, user and namespace")
    func currentContext() throws {
        let config = try KubeConfig.parse(Self.basic)
        #expect(config.server.absoluteString == "https://127.0.0.1:6443")
        #expect(config.certificateAuthorityPEM == Array("CA-PEM".utf8))
        #expect(try config.token?.token() == "s3cret")
        #expect(config.namespace == "team-a")
        #expect(!config.insecureSkipTLSVerify)
    }

    @Test("an explicit context overrides current-context; a context without namespace means default")
    func explicitContext() throws {
        let dir = try temporaryDirectory()
        try "tok-1\n".write(toFile: dir + "/token.txt", atomically: true, encoding: .utf8)
        let config = try KubeConfig.parse(Self.basic, source: dir + "/config", directory: dir, context: "ops")
        #expect(config.server.absoluteString == "http://10.0.0.1:8080")
        #expect(config.insecureSkipTLSVerify)
        #expect(config.namespace == "default")
        #expect(try config.token?.token() == "tok-1")
    }

    @Test("a token file is re-read once the refresh interval has passed")
    func tokenFileRefresh() throws {
        let dir = try temporaryDirectory()
        let path = dir + "/token"
        try "first".write(toFile: path, atomically: true, encoding: .utf8)
        let source = TokenSource(.file(path), refreshInterval: .seconds(60))
        let start = ContinuousClock.now
        #expect(try source.token(now: start) == "first")
        try "second".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try source.token(now: start + .seconds(30)) == "first")
        #expect(try source.token(now: start + .seconds(61)) == "second")
    }

    @Test("exec plugins, auth providers and basic auth are rejected naming the field")
    func unsupportedUsers() throws {
        for (user, field, words) in [
            ("exec: {command: aws}", "users[u].user.exec", "exec credential plugins are not supported"),
            ("auth-provider: {name: gcp}", "users[u].user.auth-provider", "auth-provider plugins are not supported"),
            ("username: a, password: b", "users[u].user.username", "basic authentication"),
        ] {
            let text = """
                current-context: c
                clusters: [{name: k, cluster: {server: "https://k:6443"}}]
                contexts: [{name: c, context: {cluster: k, user: u}}]
                users:
                - name: u
                  user: {\(user)}
                """
            let error = #expect(throws: KubeConfigError.self) { try KubeConfig.parse(text, source: "/tmp/cfg") }
            #expect(error?.field == field)
            #expect(error?.description.contains(words) == true, "\(String(describing: error))")
            #expect(error?.description.contains("/tmp/cfg") == true)
        }
    }

    @Test("contradictory or incomplete settings are errors naming the field")
    func invalidCombinations() throws {
        let cases: [(String, String)] = [
            ("""
             current-context: c
             clusters: [{name: k, cluster: {server: "https://k", certificate-authority: ca.pem, certificate-authority-data: QQ==}}]
             contexts: [{name: c, context: {cluster: k}}]
             """, "clusters[k].cluster.certificate-authority-data"),
            ("""
             current-context: c
             clusters: [{name: k, cluster: {server: "https://k", insecure-skip-tls-verify: true, certificate-authority-data: QQ==}}]
             contexts: [{name: c, context: {cluster: k}}]
             """, "clusters[k].cluster.insecure-skip-tls-verify"),
            ("""
             current-context: c
             clusters: [{name: k, cluster: {server: "ftp://k"}}]
             contexts: [{name: c, context: {cluster: k}}]
             """, "clusters[k].cluster.server"),
            ("""
             current-context: missing
             clusters: [{name: k, cluster: {server: "https://k"}}]
             contexts: [{name: c, context: {cluster: k}}]
             """, "contexts"),
            ("""
             clusters: [{name: k, cluster: {server: "https://k"}}]
             contexts: [{name: c, context: {cluster: k}}]
             """, "current-context"),
            ("""
             current-context: c
             contexts: [{name: c, context: {cluster: nowhere}}]
             """, "clusters"),
            ("""
             current-context: c
             clusters: [{name: k, cluster: {server: "https://k"}}]
             contexts: [{name: c, context: {cluster: k, user: u}}]
             users: [{name: u, user: {client-certificate-data: QQ==}}]
             """, "users[u].user"),
        ]
        for (text, field) in cases {
            let error = #expect(throws: KubeConfigError.self) { try KubeConfig.parse(text) }
            #expect(error?.field == field, "\(String(describing: error))")
        }
    }

    @Test("$KUBECONFIG files merge: the first file to define a name or current-context wins; missing files are skipped")
    func kubeconfigMerge() throws {
        let dir = try temporaryDirectory()
        try """
            current-context: a
            clusters: [{name: k, cluster: {server: "https://first:6443"}}]
            contexts: [{name: a, context: {cluster: k, user: u}}]
            """.write(toFile: dir + "/one", atomically: true, encoding: .utf8)
        try """
            current-context: b
            clusters: [{name: k, cluster: {server: "https://second:6443"}}]
            users: [{name: u, user: {token: from-second}}]
            """.write(toFile: dir + "/two", atomically: true, encoding: .utf8)
        let config = try KubeConfig.load(environment: ["KUBECONFIG": "\(dir)/missing:\(dir)/one:\(dir)/two"])
        #expect(config.server.host == "first")
        #expect(try config.token?.token() == "from-second")
    }

    @Test("an explicit path wins over $KUBECONFIG; a missing explicit file is an error; ~/.kube/config is the fallback")
    func pathPrecedence() throws {
        let dir = try temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/.kube", withIntermediateDirectories: true)
        try """
            current-context: h
            clusters: [{name: k, cluster: {server: "https://home:6443"}}]
            contexts: [{name: h, context: {cluster: k}}]
            """.write(toFile: dir + "/.kube/config", atomically: true, encoding: .utf8)
        #expect(try KubeConfig.load(environment: [:], homeDirectory: dir).server.host == "home")
        #expect(try KubeConfig.load(explicitPath: dir + "/.kube/config", environment: ["KUBECONFIG": "/nope"])
            .server.host == "home")
        let error = #expect(throws: KubeConfigError.self) {
            try KubeConfig.load(explicitPath: dir + "/absent", environment: [:])
        }
        #expect(error?.source == dir + "/absent")
    }

    @Test("certificate files resolve relative to the kubeconfig's directory")
    func relativeFiles() throws {
        let dir = try temporaryDirectory()
        try "CA".write(toFile: dir + "/ca.pem", atomically: true, encoding: .utf8)
        try "CERT".write(toFile: dir + "/c.pem", atomically: true, encoding: .utf8)
        try "KEY".write(toFile: dir + "/k.pem", atomically: true, encoding: .utf8)
        try """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k:6443", certificate-authority: ca.pem}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            users: [{name: u, user: {client-certificate: c.pem, client-key: k.pem}}]
            """.write(toFile: dir + "/config", atomically: true, encoding: .utf8)
        let config = try KubeConfig.load(explicitPath: dir + "/config")
        #expect(config.certificateAuthorityPEM == Array("CA".utf8))
        #expect(config.clientCertificatePEM == Array("CERT".utf8))
        #expect(config.clientKeyPEM == Array("KEY".utf8))
        #expect(config.token == nil)
    }

    @Test("in-cluster: service host/port, CA bundle, token file and namespace from the service-account mount")
    func inCluster() throws {
        let dir = try temporaryDirectory()
        try "tok".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        try "CA".write(toFile: dir + "/ca.crt", atomically: true, encoding: .utf8)
        try "semroute-system\n".write(toFile: dir + "/namespace", atomically: true, encoding: .utf8)
        let config = try KubeConfig.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"],
            serviceAccountDirectory: dir)
        #expect(config.server.absoluteString == "https://[fd00::1]:443")
        #expect(config.namespace == "semroute-system")
        #expect(config.certificateAuthorityPEM == Array("CA".utf8))
        #expect(config.token?.origin == .file(dir + "/token"))
        #expect(config.token?.refreshInterval == .seconds(60))

        let missingHost = #expect(throws: KubeConfigError.self) {
            try KubeConfig.inCluster(environment: [:], serviceAccountDirectory: dir)
        }
        #expect(missingHost?.field == "KUBERNETES_SERVICE_HOST")
        let noToken = #expect(throws: KubeConfigError.self) {
            try KubeConfig.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "443"],
                                     serviceAccountDirectory: dir + "/nothing")
        }
        #expect(noToken?.description.contains("token") == true)
    }

    @Test("an unreadable CA or client key PEM is a configuration error, not a crash")
    func badPEM() throws {
        let config = KubeConfig(server: URL(string: "https://k:6443")!, certificateAuthorityPEM: Array("not a pem".utf8))
        let error = #expect(throws: KubeConfigError.self) {
            _ = try KubeClient(config: config, logger: .init(label: "test"))
        }
        #expect(error?.field == "certificates")
    }
}
