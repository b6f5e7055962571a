import Foundation
import KubeCore
import KubeLocal
import Testing
@testable import KubeClient
import SemrouteTestSupport

@Suite("client against KubeLocal over HTTP", .timeLimit(.minutes(10)), .uses(.localServer))
struct KubeClientLocalTests {
    @Test("create, get, replace with optimistic concurrency, delete; errors come back typed")
    func crud() async throws {
        try await withLocalServer(retry: .fastRetries) { client, _ in
            let created = try await client.create(.configMaps, namespace: "default", configMap("a", data: ["k": "1"]))
            let rv = try #require(created[path: "metadata", "resourceVersion"]?.stringValue)
            #expect(created[path: "metadata", "uid"]?.stringValue?.isEmpty == false)
            #expect(try await client.get(.configMaps, namespace: "default", name: "a")[path: "data", "k"] == "1")

            await #expect {
                _ = try await client.create(.configMaps, namespace: "default", configMap("a"))
            } throws: { ($0 as? KubeError)?.reason == "AlreadyExists" }

            var updated = created
            updated["data"] = ["k": "2"]
            let replaced = try await client.replace(.configMaps, namespace: "default", name: "a", updated)
            #expect(replaced[path: "data", "k"] == "2")
            #expect(replaced[path: "metadata", "resourceVersion"]?.stringValue != rv)
            // The same stale resourceVersion again: 409 Conflict.
            await #expect {
                _ = try await client.replace(.configMaps, namespace: "default", name: "a", updated)
            } throws: { ($0 as? KubeError)?.reason == "Conflict" }

            try await client.delete(.configMaps, namespace: "default", name: "a")
            await #expect {
                _ = try await client.get(.configMaps, namespace: "default", name: "a")
            } throws: { error in
                guard let error = error as? KubeError, case .notFound(let status) = error else { return false }
                return status.details?.name == "a" || status.message?.contains("\"a\"") == true
            }
        }
    }

    @Test("list pages with limit/continue; listAll returns every item with the first page's resourceVersion")
    func paging() async throws {
        try await withLocalServer(retry: .fastRetries) { client, _ in
            for i in 0..<7 { _ = try await client.create(.configMaps, namespace: "default", configMap("cm-\(i)")) }
            let first = try await client.list(.configMaps, namespace: "default", options: ListOptions(limit: 3))
            #expect(first.items.count == 3)
            let token = try #require(first.continueToken)
            let second = try await client.list(.configMaps, namespace: "default",
                                               options: ListOptions(limit: 3, continueToken: token))
            #expect(Set(names(first.items)).isDisjoint(with: names(second.items)))
            let all = try await client.listAll(.configMaps, namespace: "default", pageSize: 3)
            #expect(Set(names(all.items)) == Set((0..<7).map { "cm-\($0)" }))
            #expect(all.items.count == 7)
            #expect(!all.resourceVersion.isEmpty)
            #expect(all.continueToken == nil)
        }
    }

    @Test("label and field selectors filter lists on the server")
    func selectors() async throws {
        try await withLocalServer(retry: .fastRetries) { client, _ in
            _ = try await client.create(.configMaps, namespace: "default", configMap("web-1", labels: ["app": "web", "tier": "a"]))
            _ = try await client.create(.configMaps, namespace: "default", configMap("web-2", labels: ["app": "web", "tier": "b"]))
            _ = try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "other"]])
            _ = try await client.create(.configMaps, namespace: "other", configMap("db", namespace: "other", labels: ["app": "db"]))
            let web = try await client.listAll(.configMaps, options: ListOptions(labelSelector: LabelSelector(matchLabels: ["app": "web"])))
            #expect(Set(names(web.items)) == ["web-1", "web-2"])
            let notA = try await client.listAll(.configMaps, options: ListOptions(
                labelSelector: try LabelSelector(parsing: "app in (web,db),tier!=a")))
            #expect(Set(names(notA.items)) == ["web-2", "db"])
            let byName = try await client.listAll(.configMaps, options: ListOptions(fieldSelector: "metadata.name=db"))
            #expect(names(byName.items) == ["db"])
            let inOther = try await client.listAll(.configMaps, namespace: "other")
            #expect(names(inOther.items) == ["db"])
        }
    }

    @Test("server-side apply: a field owned by another manager conflicts (409) unless forced")
    func serverSideApply() async throws {
        try await withLocalServer(retry: .fastRetries) { client, _ in
            let first = try await client.apply(.configMaps, namespace: "default", name: "cfg",
                                               ["data": ["owned": "by-a"]], options: ApplyOptions(fieldManager: "a"))
            #expect(first[path: "data", "owned"] == "by-a")
            #expect(first["kind"] == "ConfigMap")
            await #expect {
                _ = try await client.apply(.configMaps, namespace: "default", name: "cfg", ["data": ["owned": "by-b"]],
                                           options: ApplyOptions(fieldManager: "b"))
            } throws: { error in
                guard let error = error as? KubeError, case .conflict = error else { return false }
                return error.message.contains("a")
            }
            let forced = try await client.apply(.configMaps, namespace: "default", name: "cfg", ["data": ["owned": "by-b"]],
                                                options: ApplyOptions(fieldManager: "b", force: true))
            #expect(forced[path: "data", "owned"] == "by-b")
            let managers = (forced[path: "metadata", "managedFields"]?.arrayValue ?? []).compactMap { $0["manager"]?.stringValue }
            #expect(managers.contains("b"))
        }
    }

    @Test("status and scale subresources: apply status, read the scale, patch and apply it")
    func subresources() async throws {
        try await withLocalServer(retry: .fastRetries) { client, _ in
            let deployment: JSONValue = [
                "spec": ["replicas": 1, "selector": ["matchLabels": ["app": "x"]],
                         "template": ["metadata": ["labels": ["app": "x"]],
                                      "spec": ["containers": [["name": "c", "image": "example/c:1.0"]]]]],
            ]
            _ = try await client.apply(.deployments, namespace: "default", name: "d", deployment,
                                       options: ApplyOptions(fieldManager: "test"))
            let status = try await client.apply(.deployments, namespace: "default", name: "d",
                                                ["status": ["replicas": 1, "readyReplicas": 1]], subresource: .status,
                                                options: ApplyOptions(fieldManager: "kubelet-sim", force: true))
            #expect(status[path: "status", "readyReplicas"] == 1)
            #expect(status[path: "spec", "replicas"] == 1)
            let scale = try await client.get(.deployments, namespace: "default", name: "d", subresource: .scale)
            #expect(scale["kind"] == "Scale")
            #expect(scale[path: "spec", "replicas"] == 1)
            _ = try await client.patch(.deployments, namespace: "default", name: "d", .merge(["spec": ["replicas": 2]]),
                                       subresource: .scale)
            #expect(try await client.get(.deployments, namespace: "default", name: "d")[path: "spec", "replicas"] == 2)
            // Server-side apply of a Scale: the manager takes spec.replicas of the deployment (force: "test" owned it).
            let applied = try await client.apply(.deployments, namespace: "default", name: "d", ["spec": ["replicas": 3]],
                                                 subresource: .scale, options: ApplyOptions(fieldManager: "hpa", force: true))
            #expect(applied["kind"] == "Scale")
            #expect(applied[path: "spec", "replicas"] == 3)
            let live = try await client.get(.deployments, namespace: "default", name: "d")
            #expect(live[path: "spec", "replicas"] == 3)
            let hpa = live[path: "metadata", "managedFields"]?.arrayValue?.first { $0["manager"] == "hpa" }
            #expect(hpa?["subresource"] == "scale")
            #expect(hpa?[path: "fieldsV1", "f:spec", "f:replicas"] != nil)
        }
    }

    @Test("JSON merge patch and JSON patch change only what they say")
    func patches() async throws {
        try await withLocalServer(retry: .fastRetries) { client, _ in
            _ = try await client.create(.configMaps, namespace: "default", configMap("p", data: ["a": "1", "b": "2"]))
            let merged = try await client.patch(.configMaps, namespace: "default", name: "p",
                                                .merge(["data": ["a": "10", "b": nil]]))
            #expect(merged["data"] == ["a": "10"])
            let patched = try await client.patch(.configMaps, namespace: "default", name: "p", .json([
                ["op": "add", "path": "/data/c", "value": "3"],
                ["op": "test", "path": "/data/a", "value": "10"],
            ]))
            #expect(patched["data"] == ["a": "10", "c": "3"])
            await #expect(throws: KubeError.self) {
                _ = try await client.patch(.configMaps, namespace: "default", name: "p",
                                           .json([["op": "test", "path": "/data/a", "value": "nope"]]))
            }
        }
    }

    @Test("delete honours preconditions; dry-run writes nothing")
    func deleteAndDryRun() async throws {
        try await withLocalServer(retry: .fastRetries) { client, server in
            let created = try await client.create(.configMaps, namespace: "default", configMap("d"))
            await #expect {
                try await client.delete(.configMaps, namespace: "default", name: "d",
                                        options: DeleteOptions(preconditionUID: "not-the-uid"))
            } throws: { ($0 as? KubeError)?.reason == "Conflict" }
            let uid = created[path: "metadata", "uid"]?.stringValue
            try await client.delete(.configMaps, namespace: "default", name: "d",
                                    options: DeleteOptions(propagationPolicy: .foreground, preconditionUID: uid))
            await #expect(throws: KubeError.self) { _ = try await client.get(.configMaps, namespace: "default", name: "d") }

            let dry = try await client.create(.configMaps, namespace: "default", configMap("dry"),
                                              options: WriteOptions(dryRun: true))
            #expect(dry[path: "metadata", "name"] == "dry")
            _ = try await client.apply(.configMaps, namespace: "default", name: "dry2", ["data": ["x": "y"]],
                                       options: ApplyOptions(fieldManager: "t", dryRun: true))
            #expect(try await client.listAll(.configMaps, namespace: "default").items.isEmpty)
            #expect(server.requestLog.count(verb: "create") == 2)
        }
    }

    @Test("idempotent calls are retried on 500 and 429; creates are retried on 429 only")
    func retries() async throws {
        try await withLocalServer(retry: .fastRetries) { client, server in
            _ = try await client.create(.configMaps, namespace: "default", configMap("r"))
            server.faults.fail(verb: "get", resource: "configmaps", code: 500, count: 2)
            #expect(try await client.get(.configMaps, namespace: "default", name: "r")[path: "metadata", "name"] == "r")
            #expect(server.requestLog.count(verb: "get", resource: "configmaps") == 3)

            server.faults.fail(verb: "create", resource: "configmaps", code: 500, count: 1)
            await #expect {
                _ = try await client.create(.configMaps, namespace: "default", configMap("s"))
            } throws: { ($0 as? KubeError)?.reason == "ServerError" }
            #expect(server.requestLog.count(verb: "create", resource: "configmaps") == 2)

            server.faults.fail(verb: "create", resource: "configmaps", code: 429, count: 1, retryAfterSeconds: 0)
            _ = try await client.create(.configMaps, namespace: "default", configMap("s"))
            #expect(server.requestLog.count(verb: "create", resource: "configmaps") == 4)

            server.faults.fail(verb: "list", resource: "configmaps", code: 503, count: 10)
            await #expect {
                _ = try await client.list(.configMaps, namespace: "default")
            } throws: { ($0 as? KubeError)?.code == 503 }
            #expect(server.requestLog.count(verb: "list", resource: "configmaps") == client.retryPolicy.maxAttempts)
        }
    }

    @Test("a schema-invalid custom resource is rejected as invalid with the field's cause")
    func invalidCauses() async throws {
        try await withLocalServer(retry: .fastRetries) { client, server in
            let crdPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("crds").path
            try await server.registerCRDs(fromDirectory: crdPath)
            let routes = APIResource(group: "semroute.io", version: "v1alpha1", plural: "semanticroutes",
                                     kind: "SemanticRoute", namespaced: true)
            let bad: JSONValue = ["apiVersion": "semroute.io/v1alpha1", "kind": "SemanticRoute",
                                  "metadata": ["name": "bad", "namespace": "default"], "spec": ["classifier": ["replicas": -3]]]
            await #expect {
                _ = try await client.create(routes, namespace: "default", bad)
            } throws: { error in
                guard let error = error as? KubeError, case .invalid(_, let causes) = error else { return false }
                return !causes.isEmpty && causes.allSatisfy { ($0.field ?? "").hasPrefix("spec") }
            }
        }
    }

    @Test("forbidden and unauthorized answers map to their errors")
    func authErrors() async throws {
        try await withLocalServer(retry: .fastRetries) { client, server in
            server.faults.fail(verb: "get", code: 403)
            await #expect { _ = try await client.get(.secrets, namespace: "default", name: "x") } throws: {
                ($0 as? KubeError)?.code == 403
            }
            server.faults.fail(verb: "get", code: 401)
            await #expect { _ = try await client.get(.secrets, namespace: "default", name: "x") } throws: {
                ($0 as? KubeError)?.code == 401
            }
        }
    }

    @Test("typed calls go through Codable")
    func typed() async throws {
        struct Lease: Codable, Equatable {
            struct Spec: Codable, Equatable { var holderIdentity: String? }
            var apiVersion = "coordination.k8s.io/v1"
            var kind = "Lease"
            var metadata: ObjectMeta
            var spec: Spec
        }
        try await withLocalServer(retry: .fastRetries) { client, _ in
            let lease = Lease(metadata: ObjectMeta(name: "l", namespace: "default"), spec: .init(holderIdentity: "me"))
            let created = try await client.create(.leases, namespace: "default", encoding: lease)
            #expect(created.spec.holderIdentity == "me")
            #expect(created.metadata.uid != nil)
            let listed = try await client.list(Lease.self, .leases, namespace: "default")
            #expect(listed.map(\.spec) == [.init(holderIdentity: "me")])
            #expect(try await client.get(Lease.self, .leases, namespace: "default", name: "l").metadata.name == "l")
        }
    }
}
