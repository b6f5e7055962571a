import Foundation
import KubeClient
import KubeCore
import KubeLocal
import Testing
@testable import KubeRuntime
import SemrouteTestSupport

@Suite("informer against KubeLocal with faults", .timeLimit(.minutes(10)), .uses(.localServer))
struct InformerLocalTests {
    static let fastBackoff = Backoff(initial: .milliseconds(5), maximum: .milliseconds(50))

    /// Runs an informer over config maps in `default` while `body` acts; stops it afterwards.
    func withInformer(_ client: KubeClient, _ body: (Informer, AsyncStream<StoreChange>) async throws -> Void) async throws {
        let informer = Informer(resource: .configMaps,
                                source: KubeListWatch(client: client, resource: .configMaps, namespace: "default"),
                                backoff: Self.fastBackoff, logger: testLogger)
        let changes = informer.changes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await informer.run() }
            try await body(informer, changes)
            group.cancelAll()
        }
    }

    /// Writes a marker object and waits for the informer to report it: every earlier change has then been applied.
    func sync(_ client: KubeClient, _ changes: AsyncStream<StoreChange>, marker: String) async throws {
        _ = try await client.create(.configMaps, namespace: "default", configMap(marker))
        for await change in changes where change.object[path: "metadata", "name"]?.stringValue == marker { return }
    }

    @Test("dropping the watch mid-stream while objects change: the store ends equal to the server's list, no relist")
    func droppedWatch() async throws {
        try await withLocalServer { client, server in
            for i in 0..<5 { _ = try await client.create(.configMaps, namespace: "default", configMap("pre-\(i)")) }
            try await withInformer(client) { informer, changes in
                await informer.store.waitUntilReady()
                #expect(informer.store.count == 5)
                var dropped = 0
                for i in 0..<30 {
                    _ = try await client.create(.configMaps, namespace: "default", configMap("cm-\(i)"))
                    if i % 4 == 1 { _ = try await client.patch(.configMaps, namespace: "default", name: "cm-\(i)",
                                                               .merge(["data": ["i": .string("\(i)")]])) }
                    if i % 6 == 3 { try await client.delete(.configMaps, namespace: "default", name: "cm-\(i - 1)") }
                    if i % 7 == 2 { dropped += await server.dropAllWatches() }
                }
                try await client.delete(.configMaps, namespace: "default", name: "pre-0")
                try await sync(client, changes, marker: "marker")
                let truth = try await client.listAll(.configMaps, namespace: "default")
                #expect(versions(informer.store.list()) == versions(truth.items))
                #expect(server.requestLog.count(verb: "list", resource: "configmaps") == 2)  // informer + truth
                #expect(dropped >= 1)
                #expect(server.requestLog.count(verb: "watch", resource: "configmaps") == 1 + dropped)
            }
        }
    }

    @Test("410 Gone on resume relists and replaces the store, reporting deletions that happened meanwhile")
    func goneRelists() async throws {
        try await withLocalServer { client, server in
            for i in 0..<3 { _ = try await client.create(.configMaps, namespace: "default", configMap("old-\(i)")) }
            try await withInformer(client) { informer, changes in
                await informer.store.waitUntilReady()
                server.faults.fail(verb: "watch", resource: "configmaps", code: 410, count: 1)
                await server.dropAllWatches()
                try await client.delete(.configMaps, namespace: "default", name: "old-1")
                _ = try await client.create(.configMaps, namespace: "default", configMap("new"))
                var sawDeletion = false
                _ = try await client.create(.configMaps, namespace: "default", configMap("marker"))
                for await change in changes {
                    if case .deleted(let old) = change, old[path: "metadata", "name"] == "old-1" { sawDeletion = true }
                    if change.object[path: "metadata", "name"] == "marker" { break }
                }
                #expect(sawDeletion)
                let truth = try await client.listAll(.configMaps, namespace: "default")
                #expect(versions(informer.store.list()) == versions(truth.items))
                #expect(server.requestLog.count(verb: "list", resource: "configmaps") == 3)  // first, relist, truth
            }
        }
    }

    @Test("500s on list and 429 on watch back off, then the informer recovers")
    func backoffThenRecovery() async throws {
        try await withLocalServer { client, server in
            _ = try await client.create(.configMaps, namespace: "default", configMap("a"))
            server.faults.fail(verb: "list", resource: "configmaps", code: 500, count: 2)
            server.faults.fail(verb: "watch", resource: "configmaps", code: 429, count: 2, retryAfterSeconds: 0)
            try await withInformer(client) { informer, changes in
                await informer.store.waitUntilReady()
                try await sync(client, changes, marker: "marker")
                #expect(Set(informer.store.keys().map(\.name)) == ["a", "marker"])
                #expect(server.requestLog.count(verb: "list", resource: "configmaps") == 3)
                #expect(server.requestLog.count(verb: "watch", resource: "configmaps") >= 3)
            }
        }
    }
}

@Suite("watch liveness", .timeLimit(.minutes(10)), .uses(.localServer))
struct WatchLivenessTests {
    @Test("a watch whose connection stops forwarding without closing is detected and resumed within its idle limit")
    func silentConnectionResumes() async throws {
        try await withLocalServer { direct, server in
            let port = try #require(URL(string: server.baseURL)?.port)
            let proxy = try FreezableTCPProxy(targetPort: port)
            defer { proxy.stop() }
            let viaProxy = try KubeClient(config: KubeConfig(server: URL(string: "http://127.0.0.1:\(proxy.port)")!),
                                          retryPolicy: RetryPolicy(maxAttempts: 1), requestTimeout: .seconds(5), logger: testLogger)
            // The server ends each watch after 1 s; a watch silent for 1 s + 1 s is presumed dead. The idle limit runs
            // on a manual clock: the test decides when the silence has lasted long enough, whatever the load.
            let clock = ManualClock()
            let source = KubeListWatch(client: viaProxy, resource: .configMaps, namespace: "default", timeoutSeconds: 1,
                                       livenessMargin: .seconds(1), clock: RuntimeClock(clock))
            #expect(source.idleTimeout == .seconds(2))
            let informer = Informer(resource: .configMaps, source: source, backoff: InformerLocalTests.fastBackoff, logger: testLogger)
            let changes = informer.changes()
            // Shut the client down on every path: AsyncHTTPClient aborts the process when one is dropped open.
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await informer.run() }
                    await informer.store.waitUntilReady()
                    _ = try await direct.create(.configMaps, namespace: "default", configMap("before"))
                    var iterator = changes.makeAsyncIterator()
                    while let change = await iterator.next(), change.object[path: "metadata", "name"] != "before" {}

                    // The path dies: the open watch connection forwards nothing more, and never closes.
                    proxy.freezeOpenConnections()
                    _ = try await direct.create(.configMaps, namespace: "default", configMap("after"))
                    // Only the idle limit can end the frozen watch: once its watchdog sleeps, let the limit pass on the
                    // clock; the watch fails, and the informer resumes on a new connection and sees "after".
                    try await withDeadline(.seconds(30), "the watch's watchdog to sleep") { await clock.waitForSleepers(1) }
                    clock.advance(by: source.idleTimeout)
                    while let change = await iterator.next(), change.object[path: "metadata", "name"] != "after" {}
                    #expect(informer.store.get(namespace: "default", name: "after") != nil)
                    #expect(proxy.acceptedConnections >= 2, "the watch resumed on a new connection")
                    group.cancelAll()
                }
            } catch {
                try? await viaProxy.shutdown()
                throw error
            }
            try await viaProxy.shutdown()
        }
    }
}
