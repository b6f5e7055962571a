import KubeClient
import KubeCore
import KubeLocal
import Testing
@testable import KubeRuntime
import SemrouteTestSupport

@Suite("list/watch of several namespaces (namespaced RBAC) against KubeLocal", .timeLimit(.minutes(10)), .uses(.localServer))
struct MultiNamespaceLocalTests {
    static func configMap(_ name: String, in namespace: String) -> JSONValue {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": .string(namespace)]]
    }

    /// Namespaces a and b watched, c not; an informer over a and b while `body` acts.
    func withInformer(_ body: (KubeClient, LocalAPIServer, Informer, AsyncStream<StoreChange>) async throws -> Void) async throws {
        try await withLocalServer { client, server in
            for ns in ["a", "b", "c"] {
                _ = try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
            }
            let source = MultiNamespaceListWatch(KubeListWatch(client: client, resource: .configMaps), namespaces: ["b", "a", "b"])
            #expect(source.sources.map(\.namespace) == ["a", "b"], "one list/watch per namespace, deduplicated")
            let informer = Informer(resource: .configMaps, source: source,
                                    backoff: Backoff(initial: .milliseconds(5), maximum: .milliseconds(50)), logger: testLogger)
            let changes = informer.changes()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await informer.run() }
                try await body(client, server, informer, changes)
                group.cancelAll()
            }
        }
    }

    /// Writes a marker in each watched namespace and waits until the informer reported both.
    func sync(_ client: KubeClient, _ changes: AsyncStream<StoreChange>, _ round: Int) async throws {
        var pending = Set(["a", "b"].map { "marker-\($0)-\(round)" })
        for ns in ["a", "b"] { _ = try await client.create(.configMaps, namespace: ns, Self.configMap("marker-\(ns)-\(round)", in: ns)) }
        for await change in changes {
            pending.remove(change.object[path: "metadata", "name"]?.stringValue ?? "")
            if pending.isEmpty { return }
        }
    }

    func truth(_ client: KubeClient) async throws -> [JSONValue] {
        try await client.listAll(.configMaps, namespace: "a").items + client.listAll(.configMaps, namespace: "b").items
    }

    @Test("lists and watches only the given namespaces, one request each, never cluster-wide")
    func scoped() async throws {
        try await withInformer { client, server, informer, changes in
            await informer.store.waitUntilReady()
            _ = try await client.create(.configMaps, namespace: "c", Self.configMap("elsewhere", in: "c"))
            _ = try await client.create(.configMaps, namespace: "a", Self.configMap("in-a", in: "a"))
            try await sync(client, changes, 1)
            #expect(Set(informer.store.list().compactMap { $0[path: "metadata", "name"]?.stringValue })
                    == ["in-a", "marker-a-1", "marker-b-1"])
            let requests = server.requestLog.all.filter { $0.resource == "configmaps" && ["list", "watch"].contains($0.verb) }
            #expect(requests.allSatisfy { $0.namespace == "a" || $0.namespace == "b" }, "\(requests.map(\.path))")
        }
    }

    @Test("watches dropped mid-stream while both namespaces change: each resumes from its own position, no relist, store equals the server")
    func droppedWatches() async throws {
        try await withInformer { client, server, informer, changes in
            await informer.store.waitUntilReady()
            var dropped = 0
            for i in 0..<24 {
                let ns = i % 2 == 0 ? "a" : "b"
                _ = try await client.create(.configMaps, namespace: ns, Self.configMap("cm-\(i)", in: ns))
                if i % 5 == 3 { _ = try await client.patch(.configMaps, namespace: ns, name: "cm-\(i)", .merge(["data": ["i": .string("\(i)")]])) }
                if i % 6 == 4 { try await client.delete(.configMaps, namespace: ns, name: "cm-\(i - 2)") }
                if i % 7 == 2 { dropped += await server.dropAllWatches() }
            }
            try await sync(client, changes, 1)
            #expect(versions(informer.store.list()) == versions(try await truth(client)))
            #expect(dropped >= 2)
            #expect(server.requestLog.all.filter { $0.verb == "list" && $0.resource == "configmaps" }.count == 2 + 2,
                    "the informer's first list of a and b, then the truth; no relist")
        }
    }

    @Test("410 Gone in one namespace relists both and reports the deletions that happened meanwhile")
    func goneRelistsAll() async throws {
        try await withInformer { client, server, informer, changes in
            _ = try await client.create(.configMaps, namespace: "b", Self.configMap("old", in: "b"))
            try await sync(client, changes, 1)
            server.faults.fail(verb: "watch", resource: "configmaps", code: 410, count: 1)
            await server.dropAllWatches()
            try await client.delete(.configMaps, namespace: "b", name: "old")
            var sawDeletion = false
            var pending: Set<String> = ["marker-a-2", "marker-b-2"]
            for ns in ["a", "b"] { _ = try await client.create(.configMaps, namespace: ns, Self.configMap("marker-\(ns)-2", in: ns)) }
            for await change in changes {
                if case .deleted(let old) = change, old[path: "metadata", "name"] == "old" { sawDeletion = true }
                pending.remove(change.object[path: "metadata", "name"]?.stringValue ?? "")
                if pending.isEmpty { break }
            }
            #expect(sawDeletion)
            #expect(server.requestLog.all.filter { $0.verb == "list" && $0.resource == "configmaps" }.count == 4,
                    "a and b listed first, then both again after the 410")
            #expect(versions(informer.store.list()) == versions(try await truth(client)))
        }
    }
}
