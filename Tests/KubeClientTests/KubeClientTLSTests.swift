import Foundation
import KubeCore
import KubeLocal
import Logging
import Testing
@testable import KubeClient
import SemrouteTestSupport

@Suite("client over HTTPS with a bearer token (KubeLocal --tls --token-auth-file)", .timeLimit(.minutes(10)), .uses(.localServer))
struct KubeClientTLSTests {
    static let roles = APIResource(group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", kind: "Role", namespaced: true)
    static let roleBindings = APIResource(group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings",
                                          kind: "RoleBinding", namespaced: true)

    static func client(_ server: LocalAPIServer, token: String?, trust: Bool = true) throws -> KubeClient {
        let config = KubeConfig(server: URL(string: server.baseURL)!,
                                certificateAuthorityPEM: trust ? server.certificateAuthorityPEM.map { Array($0.utf8) } : nil,
                                token: token.map { TokenSource(.value($0)) })
        return try KubeClient(config: config, retryPolicy: RetryPolicy(maxAttempts: 1), requestTimeout: .seconds(10),
                              logger: Logger(label: "test"))
    }

    @Test("the kubeconfig's CA verifies the self-signed certificate; the token is sent and authorised; a bad token is unauthorized, a missing grant forbidden, an untrusted server a transport error")
    func tlsAndTokens() async throws {
        var auth = TokenAuthentication()
        auth.add(token: "reader", user: UserInfo(name: "reader"))
        try await LocalAPIServer.withRunning(.init(authentication: auth, selfSignedTLS: true)) { server in
            #expect(server.baseURL.hasPrefix("https://"))
            let admin = try Self.client(server, token: server.adminToken)
            let reader = try Self.client(server, token: "reader")
            let stranger = try Self.client(server, token: "nobody")
            let untrusting = try Self.client(server, token: server.adminToken, trust: false)
            let clients = [admin, reader, stranger, untrusting]
            do {
                try await Self.check(server, admin: admin, reader: reader, stranger: stranger, untrusting: untrusting)
            } catch {
                for c in clients { try? await c.shutdown() }
                throw error
            }
            for c in clients { try await c.shutdown() }
        }
    }

    /// The error a call ends with; nil when it succeeded.
    static func failure(_ call: () async throws -> Void) async -> (any Error)? {
        do { try await call(); return nil } catch { return error }
    }

    static func check(_ server: LocalAPIServer, admin: KubeClient, reader: KubeClient, stranger: KubeClient,
                      untrusting: KubeClient) async throws {
        _ = try await admin.create(.configMaps, namespace: "default", configMap("c"))
        let denied = await failure { _ = try await reader.get(.configMaps, namespace: "default", name: "c") }
        guard case .forbidden(let status)? = denied as? KubeError else {
            Issue.record("want forbidden, got \(String(describing: denied))")
            return
        }
        #expect(status.message == "configmaps \"c\" is forbidden: User \"reader\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"default\"")
        let unknown = await failure { _ = try await stranger.get(.configMaps, namespace: "default", name: "c") }
        #expect({ if case .unauthorized? = unknown as? KubeError { true } else { false } }(), "\(String(describing: unknown))")
        let untrusted = await failure { _ = try await untrusting.get(.configMaps, namespace: "default", name: "c") }
        #expect({ if case .transport? = untrusted as? KubeError { true } else { false } }(), "\(String(describing: untrusted))")

        _ = try await admin.create(Self.roles, namespace: "default", [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "read"],
            "rules": [["apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]]]])
        _ = try await admin.create(Self.roleBindings, namespace: "default", [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "read"],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "read"],
            "subjects": [["kind": "User", "name": "reader"]]])
        let read = try await reader.get(.configMaps, namespace: "default", name: "c")
        #expect(read[path: "metadata", "name"] == "c")
        #expect(server.requestLog.all.last?.user == "reader")
    }
}
