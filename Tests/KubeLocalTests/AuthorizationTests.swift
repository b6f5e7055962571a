import Foundation
import KubeCore
@testable import KubeLocal
import Testing
import SemrouteTestSupport

@Suite("RBAC authorisation of bearer tokens", .timeLimit(.minutes(10)), .uses(.localServer))
struct AuthorizationTests {
    static let rbac = "/apis/rbac.authorization.k8s.io/v1"

    static func rule(_ verbs: [String], groups: [String] = [""], resources: [String], names: [String] = []) -> JSONValue {
        var r: JSONValue = ["verbs": .array(verbs.map { .string($0) }), "apiGroups": .array(groups.map { .string($0) }),
                            "resources": .array(resources.map { .string($0) })]
        if !names.isEmpty { r["resourceNames"] = .array(names.map { .string($0) }) }
        return r
    }

    @Test("rules match verb, API group, resource/subresource (and */subresource), resource names and non-resource URLs")
    func ruleMatching() {
        typealias A = RBACAuthorizer.Attributes
        let deployScale = Self.rule(["patch"], groups: ["apps"], resources: ["deployments/scale"])
        #expect(RBACAuthorizer.rule(deployScale, allows: A(verb: "patch", group: "apps", resource: "deployments", subresource: "scale", namespace: "a", name: "d")))
        #expect(!RBACAuthorizer.rule(deployScale, allows: A(verb: "patch", group: "apps", resource: "deployments", namespace: "a", name: "d")),
                "the subresource does not grant the object")
        #expect(!RBACAuthorizer.rule(Self.rule(["patch"], groups: ["apps"], resources: ["deployments"]),
                                     allows: A(verb: "patch", group: "apps", resource: "deployments", subresource: "status", name: "d")),
                "nor the object its subresources")
        #expect(RBACAuthorizer.rule(Self.rule(["get"], groups: ["*"], resources: ["*/status"]),
                                    allows: A(verb: "get", group: "semroute.io", resource: "semanticroutes", subresource: "status", name: "r")))
        #expect(!RBACAuthorizer.rule(deployScale, allows: A(verb: "patch", group: "", resource: "deployments", subresource: "scale", name: "d")),
                "the API group must match")
        let named = Self.rule(["get", "update"], groups: ["coordination.k8s.io"], resources: ["leases"], names: ["semroute"])
        #expect(RBACAuthorizer.rule(named, allows: A(verb: "update", group: "coordination.k8s.io", resource: "leases", name: "semroute")))
        #expect(!RBACAuthorizer.rule(named, allows: A(verb: "update", group: "coordination.k8s.io", resource: "leases", name: "other")))
        #expect(!RBACAuthorizer.rule(named, allows: A(verb: "get", group: "coordination.k8s.io", resource: "leases")),
                "resourceNames never grant a request without a name (list)")
        #expect(!RBACAuthorizer.rule(named, allows: A(verb: "delete", group: "coordination.k8s.io", resource: "leases", name: "semroute")))
        let metrics: JSONValue = ["verbs": ["get"], "nonResourceURLs": ["/metrics", "/debug/*"]]
        #expect(RBACAuthorizer.rule(metrics, allows: A(verb: "get", path: "/metrics")))
        #expect(RBACAuthorizer.rule(metrics, allows: A(verb: "get", path: "/debug/pprof")))
        #expect(!RBACAuthorizer.rule(metrics, allows: A(verb: "get", path: "/metricsx")))
        #expect(!RBACAuthorizer.rule(metrics, allows: A(verb: "get", resource: "metrics")), "non-resource rules grant no resource")
    }

    @Test("bindings: ClusterRoleBindings everywhere, RoleBindings in their namespace; users, groups, ServiceAccounts; aggregated ClusterRoles")
    func bindings() {
        typealias A = RBACAuthorizer.Attributes
        let sa = UserInfo.serviceAccount(namespace: "semroute-system", name: "semroute")
        let authorizer = RBACAuthorizer(
            clusterRoles: [
                ["metadata": ["name": "routes"], "rules": [Self.rule(["list", "watch"], groups: ["semroute.io"], resources: ["semanticroutes"])]],
                ["metadata": ["name": "aggregate"], "aggregationRule": ["clusterRoleSelectors": [["matchLabels": ["agg": "yes"]]]], "rules": []],
                ["metadata": ["name": "part", "labels": ["agg": "yes"]], "rules": [Self.rule(["get"], resources: ["secrets"])]],
            ],
            clusterRoleBindings: [
                ["metadata": ["name": "b1"], "roleRef": ["kind": "ClusterRole", "name": "routes"],
                 "subjects": [["kind": "ServiceAccount", "name": "semroute", "namespace": "semroute-system"]]],
                ["metadata": ["name": "b2"], "roleRef": ["kind": "ClusterRole", "name": "aggregate"],
                 "subjects": [["kind": "Group", "name": "readers"]]],
            ],
            roles: [["metadata": ["name": "cm", "namespace": "llm"], "rules": [Self.rule(["create"], resources: ["configmaps"])]]],
            roleBindings: [
                ["metadata": ["name": "b3", "namespace": "llm"], "roleRef": ["kind": "Role", "name": "cm"],
                 "subjects": [["kind": "ServiceAccount", "name": "semroute"]]],  // no namespace: the binding's own
                ["metadata": ["name": "b4", "namespace": "llm"], "roleRef": ["kind": "ClusterRole", "name": "routes"],
                 "subjects": [["kind": "User", "name": "alice"]]],
            ])
        #expect(authorizer.allows(sa, A(verb: "watch", group: "semroute.io", resource: "semanticroutes")))
        #expect(!authorizer.allows(sa, A(verb: "delete", group: "semroute.io", resource: "semanticroutes", namespace: "llm", name: "r")))
        #expect(!authorizer.allows(sa, A(verb: "create", resource: "configmaps", namespace: "llm")),
                "b3's ServiceAccount subject without a namespace is llm's, not semroute-system's")
        let inLLM = UserInfo.serviceAccount(namespace: "llm", name: "semroute")
        #expect(authorizer.allows(inLLM, A(verb: "create", resource: "configmaps", namespace: "llm")))
        #expect(!authorizer.allows(inLLM, A(verb: "create", resource: "configmaps", namespace: "other")))
        let alice = UserInfo(name: "alice")
        #expect(authorizer.allows(alice, A(verb: "list", group: "semroute.io", resource: "semanticroutes", namespace: "llm")))
        #expect(!authorizer.allows(alice, A(verb: "list", group: "semroute.io", resource: "semanticroutes")),
                "a RoleBinding to a ClusterRole grants in its namespace only")
        let reader = UserInfo(name: "bob", groups: ["readers"])
        #expect(authorizer.allows(reader, A(verb: "get", resource: "secrets", namespace: "x", name: "s")), "rules aggregated from 'part'")
        #expect(!authorizer.allows(alice, A(verb: "get", resource: "secrets", namespace: "llm", name: "s")))
        #expect(authorizer.allows(alice, A(verb: "get", path: "/apis")), "discovery is open to authenticated users")
        #expect(!authorizer.allows(alice, A(verb: "get", path: "/metrics")))
    }

    @Test("over HTTP: unknown token 401, no binding 403 with kube-apiserver's message, a binding grants, no token is the admin")
    func overHTTP() async throws {
        var auth = TokenAuthentication()
        auth.add(token: "alice-token", user: UserInfo(name: "alice"))
        try await LocalAPIServer.withRunning(.init(authentication: auth)) { server in
            let admin = HTTP(base: server.baseURL)
            let alice = HTTP(base: server.baseURL, token: "alice-token")
            #expect(try await HTTP(base: server.baseURL, token: "wrong").send("GET", "/api/v1/namespaces/default/configmaps").code == 401)
            #expect(try await alice.send("GET", "/apis").code == 200)
            let denied = try await alice.send("GET", "/api/v1/namespaces/default/configmaps")
            #expect(denied.code == 403)
            #expect(denied.body["reason"] == "Forbidden")
            #expect(denied.body["message"] == "configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\"")
            #expect(try await admin.send("POST", "/api/v1/namespaces/default/configmaps", configMap("c")).code == 201)

            #expect(try await admin.send("POST", Self.rbac + "/namespaces/default/roles", [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "cm-reader"],
                "rules": [Self.rule(["get", "list"], resources: ["configmaps"])]]).code == 201)
            #expect(try await admin.send("POST", Self.rbac + "/namespaces/default/rolebindings", [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "alice"],
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "cm-reader"],
                "subjects": [["kind": "User", "name": "alice"]]]).code == 201)
            #expect(try await alice.send("GET", "/api/v1/namespaces/default/configmaps").code == 200, "the binding is read at once")
            #expect(try await alice.send("GET", "/api/v1/namespaces/default/configmaps/c").code == 200)
            let write = try await alice.send("DELETE", "/api/v1/namespaces/default/configmaps/c")
            #expect(write.code == 403)
            #expect(write.body["message"] == "configmaps \"c\" is forbidden: User \"alice\" cannot delete resource \"configmaps\" in API group \"\" in the namespace \"default\"")
            let cluster = try await alice.send("GET", "/api/v1/configmaps")
            #expect(cluster.body["message"] == "configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\" in API group \"\" at the cluster scope")
            #expect(server.requestLog.all.filter { $0.user == "alice" }.count == 6)
            #expect(try await admin.send("GET", "/api/v1/namespaces/default/configmaps/c").code == 200, "nothing was deleted")
        }
    }

    @Test("real kubectl over HTTPS (self-signed, trusted by the kubeconfig) with a token prints the Forbidden message; the kubeconfig's admin token may do anything")
    func kubectlForbidden() async throws {
        guard Kubectl.isAvailable else {
            Issue.record("kubectl not found at \(Kubectl.path); skipping")
            return
        }
        let auth = try TokenAuthentication(tokenFile: """
            # token,user,uid,"groups"
            sa-token,system:serviceaccount:semroute-system:semroute,uid-1,"system:serviceaccounts,system:serviceaccounts:semroute-system"
            """)
        try await LocalAPIServer.withRunning(.init(authentication: auth, selfSignedTLS: true)) { server in
            #expect(server.baseURL.hasPrefix("https://127.0.0.1:"))
            let kubectl = try Kubectl(server: server)
            let denied = try await kubectl.run("--token", "sa-token", "get", "secrets", "-n", "kube-system")
            #expect(denied.status != 0)
            #expect(denied.stderr.contains("Error from server (Forbidden): secrets is forbidden: User \"system:serviceaccount:semroute-system:semroute\" cannot list resource \"secrets\" in API group \"\" in the namespace \"kube-system\""), "\(denied.stderr)")
            let admin = try await kubectl.run("get", "secrets", "-n", "kube-system")
            #expect(admin.status == 0, "\(admin.stderr)")
        }
    }

    @Test("the token file format: comments, quoted groups, errors name the line")
    func tokenFile() throws {
        let auth = try TokenAuthentication(tokenFile: "t1,alice,1\n\n# c\nt2,bob,2,\"dev,ops\"\n")
        #expect(auth.users["t1"] == UserInfo(name: "alice", uid: "1"))
        #expect(auth.users["t2"]?.groups == ["dev", "ops", "system:authenticated"])
        #expect(throws: TokenAuthentication.ParseError.self) { try TokenAuthentication(tokenFile: "t1,alice,1\nbroken\n") }
        do { _ = try TokenAuthentication(tokenFile: "t1,alice,1\nbroken\n") } catch { #expect(error.line == 2) }
    }
}
