import KubeCore
import Testing
@testable import KubeRuntime
import SemrouteTestSupport

@Suite("store and indexes", .timeLimit(.minutes(2)))
struct StoreTests {
    func makeStore() -> Store {
        Store(indexers: [Indexers.ownerUIDName: Indexers.ownerUID, "app": Indexers.label("app")])
    }

    @Test("indexes follow adds, updates and deletes")
    func indexesFollowChanges() {
        let store = makeStore()
        store.apply(.restarted([]))
        store.apply(.applied(object("a", rv: 1, labels: ["app": "web"], owners: [("SemanticRoute", "r", "u1")])))
        store.apply(.applied(object("b", rv: 2, labels: ["app": "web"], owners: [("SemanticRoute", "r", "u1")])))
        #expect(store.keys(index: Indexers.ownerUIDName, value: "u1").map(\.name) == ["a", "b"])
        #expect(store.byIndex("app", "web").count == 2)
        store.apply(.applied(object("a", rv: 3, labels: ["app": "db"])))
        #expect(store.keys(index: Indexers.ownerUIDName, value: "u1").map(\.name) == ["b"])
        #expect(store.keys(index: "app", value: "db").map(\.name) == ["a"])
        store.apply(.deleted(object("b", rv: 4)))
        #expect(store.byIndex(Indexers.ownerUIDName, "u1").isEmpty)
        #expect(store.byIndex("app", "web").isEmpty)
        #expect(store.byIndex("no-such-index", "x").isEmpty)
        #expect(store.get(namespace: "ns", name: "a")?[path: "metadata", "resourceVersion"] == "3")
    }

    @Test("a relist replaces everything at once and reports vanished, new and changed objects only")
    func relistReplaces() {
        let store = makeStore()
        store.apply(.restarted([object("keep", rv: 1), object("change", rv: 2), object("gone", rv: 3, labels: ["app": "x"])]))
        let changes = store.apply(.restarted([object("keep", rv: 1), object("change", rv: 5), object("new", rv: 6)]))
        #expect(Set(changes.map { ObjectKey(object: $0.object)!.name }) == ["change", "new", "gone"])
        #expect(changes.contains(.deleted(object("gone", rv: 3, labels: ["app": "x"]))))
        #expect(changes.contains(.applied(old: object("change", rv: 2), new: object("change", rv: 5))))
        #expect(store.keys().map(\.name) == ["change", "keep", "new"])
        #expect(store.byIndex("app", "x").isEmpty)
    }

    @Test("a repeated event with the same resourceVersion is not reported again")
    func noDuplicateChanges() {
        let store = makeStore()
        store.apply(.restarted([]))
        #expect(store.apply(.applied(object("a", rv: 1))).count == 1)
        #expect(store.apply(.applied(object("a", rv: 1))).isEmpty)
    }

    @Test("readiness: waiters resume after the first list, not before")
    func readiness() async throws {
        let store = makeStore()
        #expect(!store.isReady)
        store.apply(.applied(object("early", rv: 1)))
        #expect(!store.isReady)
        try await withThrowingTaskGroup(of: Void.self) { group in
            let resumed = Recorder<Bool>()
            group.addTask {
                await store.waitUntilReady()
                resumed.append(store.isReady)
            }
            store.apply(.restarted([object("a", rv: 1)]))
            try await resumed.waitFor(1)
            #expect(resumed.values == [true])
        }
        await store.waitUntilReady()  // already ready: returns at once
    }
}
