import Foundation
import KubeEnvtest
import KubeCore
import KubeLocal
import Testing
import SemrouteTestSupport

@Suite("object lifecycle over HTTP", .timeLimit(.minutes(10)), .uses(.localServer))
struct LifecycleTests {
    static let routes = "/apis/semroute.io/v1alpha1/namespaces/llm/semanticroutes"

    func withRoutes(_ body: (LocalAPIServer, HTTP, JSONValue) async throws -> Void) async throws {
        try await LocalAPIServer.withRunning { server in
            try await server.registerCRDs(fromDirectory: repositoryRoot + "/crds")
            let http = HTTP(base: server.baseURL)
            _ = try await http.send("POST", "/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "llm"]])
            let sample = try YAMLReader.document(String(contentsOfFile: repositoryRoot + "/manifests/samples/keyword-only.yaml", encoding: .utf8))
            try await body(server, http, sample)
        }
    }

    @Test("spec writes bump generation, status writes do not, and neither changes the other's half")
    func generationAndStatus() async throws {
        try await withRoutes { _, http, sample in
            var withStatus = sample
            withStatus["status"] = ["decisions": 9]
            let created = try await http.send("POST", Self.routes, withStatus)
            #expect(created.code == 201)
            #expect(created.body[path: "metadata", "generation"] == 1)
            #expect(created.body["status"] == nil)
            let status = try await http.send("PATCH", Self.routes + "/keyword-only/status", ["status": ["decisions": 3]],
                                             contentType: "application/merge-patch+json")
            #expect(status.code == 200)
            #expect(status.body[path: "status", "decisions"] == 3)
            #expect(status.body[path: "metadata", "generation"] == 1)
            let spec = try await http.send("PATCH", Self.routes + "/keyword-only",
                                           ["spec": ["model": "other"], "status": ["decisions": 7]],
                                           contentType: "application/merge-patch+json")
            #expect(spec.body[path: "metadata", "generation"] == 2)
            #expect(spec.body[path: "status", "decisions"] == 3)
            #expect(spec.body[path: "spec", "model"] == "other")
        }
    }

    @Test("a finalizer keeps a deleted object with deletionTimestamp until it is removed; dependents are collected")
    func finalizersAndGarbageCollection() async throws {
        try await withRoutes { _, http, sample in
            var route = sample
            route["metadata"]?["finalizers"] = ["semroute.io/cleanup"]
            let created = try await http.send("POST", Self.routes, route)
            let uid = try #require(created.body[path: "metadata", "uid"])
            var child = configMap("child", namespace: "llm")
            child["metadata"]?["ownerReferences"] = [["apiVersion": "semroute.io/v1alpha1", "kind": "SemanticRoute",
                                                      "name": "keyword-only", "uid": uid]]
            #expect(try await http.send("POST", "/api/v1/namespaces/llm/configmaps", child).code == 201)
            let deleting = try await http.send("DELETE", Self.routes + "/keyword-only")
            #expect(deleting.body[path: "metadata", "deletionTimestamp"] != nil)
            #expect(try await http.send("GET", Self.routes + "/keyword-only").code == 200)
            let released = try await http.send("PATCH", Self.routes + "/keyword-only", ["metadata": ["finalizers": nil]],
                                               contentType: "application/merge-patch+json")
            #expect(released.code == 200)
            #expect(try await http.send("GET", Self.routes + "/keyword-only").code == 404)
            #expect(try await http.send("GET", "/api/v1/namespaces/llm/configmaps/child").code == 404)
        }
    }

    @Test("delete preconditions on uid are checked")
    func deletePreconditions() async throws {
        try await withRoutes { _, http, _ in
            _ = try await http.send("POST", "/api/v1/namespaces/llm/configmaps", configMap("a", namespace: "llm"))
            let refused = try await http.send("DELETE", "/api/v1/namespaces/llm/configmaps/a",
                                              ["kind": "DeleteOptions", "apiVersion": "v1", "preconditions": ["uid": "nope"]])
            #expect(refused.code == 409)
            #expect(refused.body["message"]?.stringValue?.contains("Precondition failed: UID in precondition: nope") == true)
        }
    }

    @Test("server-side apply conflicts with another manager's field unless forced, and drops fields no longer applied")
    func serverSideApply() async throws {
        try await withRoutes { _, http, _ in
            let path = "/api/v1/namespaces/llm/configmaps/shared"
            let first: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "shared"], "data": ["a": "1", "b": "2"]]
            #expect(try await http.send("PATCH", path + "?fieldManager=alice", first, contentType: "application/apply-patch+yaml").code == 201)
            let bob: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "shared"], "data": ["a": "9"]]
            let conflict = try await http.send("PATCH", path + "?fieldManager=bob", bob, contentType: "application/apply-patch+yaml")
            #expect(conflict.code == 409)
            #expect(conflict.body[path: "details", "causes"]?.arrayValue?.first?["reason"] == "FieldManagerConflict")
            #expect(conflict.body[path: "details", "causes"]?.arrayValue?.first?["field"] == ".data.a")
            let forced = try await http.send("PATCH", path + "?fieldManager=bob&force=true", bob, contentType: "application/apply-patch+yaml")
            #expect(forced.body[path: "data", "a"] == "9")
            let aliceLess: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "shared"], "data": [:]]
            let shrunk = try await http.send("PATCH", path + "?fieldManager=alice", aliceLess, contentType: "application/apply-patch+yaml")
            #expect(shrunk.body[path: "data", "b"] == nil)
            #expect(shrunk.body[path: "data", "a"] == "9")
        }
    }

    @Test("deleting a namespace removes the objects in it")
    func namespaceDeletion() async throws {
        try await withRoutes { _, http, _ in
            _ = try await http.send("POST", "/api/v1/namespaces/llm/configmaps", configMap("a", namespace: "llm"))
            _ = try await http.send("DELETE", "/api/v1/namespaces/llm")
            #expect(try await http.send("GET", "/api/v1/namespaces/llm/configmaps/a").code == 404)
            #expect(try await http.send("GET", "/api/v1/namespaces/llm").code == 404)
            #expect(try await http.send("POST", "/api/v1/namespaces/llm/configmaps", configMap("b", namespace: "llm")).code == 404)
        }
    }

    @Test("bookmarks carry the current resourceVersion; timeoutSeconds ends the watch cleanly")
    func bookmarks() async throws {
        // The write happens before the watch opens (the watch replays it from `from`), and the bookmarks come from
        // the server's own timer, which runs in the watch's task ahead of its deadline: nothing the test does has
        // to beat the wall-clock `timeoutSeconds` (a loaded parallel run once took more than 5 s to get its POST in).
        var configuration = LocalAPIServer.Configuration()
        configuration.bookmarkInterval = .milliseconds(100)
        try await LocalAPIServer.withRunning(configuration) { server in
            let http = HTTP(base: server.baseURL)
            _ = try await http.send("POST", "/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "llm"]])
            let from = await server.resourceVersion()
            _ = try await http.send("POST", "/api/v1/namespaces/llm/configmaps", configMap("a", namespace: "llm"))
            let rv = await server.resourceVersion()
            // 5 s of 100 ms bookmark ticks: a CI run whose watch task was starved for 2 s got none before its deadline.
            let events = try await http.watch("/api/v1/namespaces/llm/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=5&resourceVersion=\(from)")
            #expect(events.first?.type == .added)
            #expect(events.first?.resourceVersion == rv)
            // A bookmark carries the server's current resourceVersion: this write's, or a later one.
            #expect(events.contains { $0.type == .bookmark && (Int($0.resourceVersion ?? "") ?? 0) >= (Int(rv) ?? .max) },
                    "bookmarks: \(events.filter { $0.type == .bookmark }.map { $0.resourceVersion ?? "" }), the write's: \(rv)")
            #expect(!events.contains { $0.type == .error }, "a timeout ends the stream cleanly, not with an error event")
            #expect(await server.watchCount() == 0)
        }
    }

    @Test("dropping watches cuts every open watch connection")
    func dropWatches() async throws {
        try await withRoutes { server, http, _ in
            async let watched = http.watch("/api/v1/namespaces/llm/configmaps?watch=true")
            // LocalAPIServer has no event for "a watch opened": poll its count, briefly and with a deadline.
            try await withDeadline(.seconds(60), "the watch to reach the server") {
                while await server.watchCount() == 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(await server.dropAllWatches() == 1)
            var failed = false
            do { _ = try await watched } catch { failed = true }
            #expect(failed, "the client saw a clean end instead of a cut connection")
            #expect(await server.watchCount() == 0)
        }
    }

    @Test("dryRun=All validates and answers without storing")
    func dryRun() async throws {
        try await withRoutes { server, http, sample in
            let reply = try await http.send("POST", Self.routes + "?dryRun=All", sample)
            #expect(reply.code == 201)
            #expect(try await http.send("GET", Self.routes + "/keyword-only").code == 404)
            #expect(server.requestLog.count(verb: "create", resource: "semanticroutes") == 1)
        }
    }

    @Test("upstream Gateway API, Envoy Gateway and AI Gateway CRDs register and validate objects", .enabled(if: UpstreamCRDs.available(), Comment(rawValue: UpstreamCRDs.missingReason())))
    func upstreamCRDs() async throws {
        let upstream = try #require(UpstreamCRDs.directory())
        try await LocalAPIServer.withRunning { server in
            try await server.registerCRDs(fromDirectory: upstream)
            let http = HTTP(base: server.baseURL)
            let groups = try await http.send("GET", "/apis")
            let names = groups.body["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(names.contains("aigateway.envoyproxy.io") && names.contains("gateway.networking.k8s.io") && names.contains("gateway.envoyproxy.io"))
            let route: JSONValue = ["apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                                    "metadata": ["name": "r", "namespace": "default"],
                                    "spec": ["parentRefs": [["name": "gw"]], "rules": [["backendRefs": [["name": "svc", "port": 80]]]]]]
            let ok = try await http.send("POST", "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", route)
            #expect(ok.code == 201, "\(ok.body)")
            var bad = route
            bad["metadata"]?["name"] = "bad"
            bad["spec"]?["rules"] = [["backendRefs": [["name": "svc", "port": "eighty"]]]]
            let rejected = try await http.send("POST", "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", bad)
            #expect(rejected.code == 422)
            #expect(rejected.body[path: "details", "causes"]?.arrayValue?.contains { $0["field"]?.stringValue?.contains("port") == true } == true)
        }
    }
}

@Suite("snapshots", .timeLimit(.minutes(10)), .uses(.localServer))
struct SnapshotTests {
    @Test("a server restarted on the same data directory has the same objects and resourceVersions")
    func restartKeepsObjects() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kubelocal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let created = try await LocalAPIServer.withRunning(.init(dataDirectory: dir)) { server in
            try await HTTP(base: server.baseURL).send("POST", "/api/v1/namespaces/default/configmaps", configMap("kept", data: ["a": "b"])).body
        }
        try await LocalAPIServer.withRunning(.init(dataDirectory: dir)) { server in
            let http = HTTP(base: server.baseURL)
            let read = try await http.send("GET", "/api/v1/namespaces/default/configmaps/kept")
            #expect(read.code == 200)
            #expect(read.body[path: "metadata", "uid"] == created[path: "metadata", "uid"])
            #expect(read.body[path: "metadata", "resourceVersion"] == created[path: "metadata", "resourceVersion"])
            let next = try await http.send("POST", "/api/v1/namespaces/default/configmaps", configMap("new"))
            let before = Int(created[path: "metadata", "resourceVersion"]?.stringValue ?? "") ?? 0
            #expect((Int(next.body[path: "metadata", "resourceVersion"]?.stringValue ?? "") ?? 0) > before)
        }
    }
}
