import Foundation
import KubeCore
import KubeLocal
import Testing
import SemrouteTestSupport

@Suite("rbac.authorization.k8s.io/v1 built-ins", .timeLimit(.minutes(10)), .uses(.localServer))
struct RBACTests {
    @Test("discovery lists the four RBAC resources with their scope; roles apply, list and watch per namespace")
    func discoveryApplyAndWatch() async throws {
        try await LocalAPIServer.withRunning { server in
            let http = HTTP(base: server.baseURL)
            let groups = try await http.send("GET", "/apis")
            #expect(groups.body["groups"]?.arrayValue?.contains { $0["name"] == "rbac.authorization.k8s.io" } == true)
            let list = try await http.send("GET", "/apis/rbac.authorization.k8s.io/v1")
            var scopes: [String: Bool] = [:]
            for r in list.body["resources"]?.arrayValue ?? [] {
                if let name = r["name"]?.stringValue, let namespaced = r["namespaced"]?.boolValue { scopes[name] = namespaced }
            }
            #expect(scopes == ["clusterroles": false, "clusterrolebindings": false, "roles": true, "rolebindings": true])

            let path = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/reader"
            let binding: JSONValue = ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                                      "metadata": ["name": "reader"],
                                      "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"],
                                      "subjects": [["kind": "User", "name": "alice"]]]
            let created = try await http.send("PATCH", path + "?fieldManager=gitops", binding, contentType: "application/apply-patch+yaml")
            #expect(created.code == 201, "\(created.body)")
            #expect(created.body[path: "metadata", "namespace"] == "default")
            #expect(created.body[path: "metadata", "managedFields"]?.arrayValue?.first?["manager"] == "gitops")
            let clusterWide = try await http.send("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                                                  ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                                   "metadata": ["name": "view-all"], "rules": .array([])])
            #expect(clusterWide.code == 201, "\(clusterWide.body)")
            #expect(clusterWide.body[path: "metadata", "namespace"] == nil)
            let elsewhere = try await http.send("GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings")
            #expect(elsewhere.body["items"]?.arrayValue?.isEmpty == true)
            let events = try await http.watch("/apis/rbac.authorization.k8s.io/v1/rolebindings?watch=true&resourceVersion=0&timeoutSeconds=1")
            #expect(events.map(\.type) == [.added])
            #expect(events.first?.object[path: "roleRef", "name"] == "reader")
            let deleted = try await http.send("DELETE", path)
            #expect(deleted.code == 200)
            #expect(deleted.body["status"] == "Success")
            #expect(try await http.send("GET", path).code == 404)
        }
    }
}
