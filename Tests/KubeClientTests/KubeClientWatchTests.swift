import Foundation
import KubeCore
import KubeLocal
import Testing
@testable import KubeClient
import SemrouteTestSupport

@Suite("watch against KubeLocal", .timeLimit(.minutes(10)), .uses(.localServer))
struct KubeClientWatchTests {
    @Test("a watch from a list's resourceVersion sees later changes in order, and bookmarks on request")
    func eventsAndBookmarks() async throws {
        try await withLocalServer(retry: .fastRetries) { client, server in
            _ = try await client.create(.configMaps, namespace: "default", configMap("before"))
            let list = try await client.list(.configMaps, namespace: "default")
            let stream = try await client.watch(.configMaps, namespace: "default",
                                                options: WatchOptions(resourceVersion: list.resourceVersion))
            var it = stream.makeAsyncIterator()
            _ = try await client.create(.configMaps, namespace: "default", configMap("a"))
            _ = try await client.patch(.configMaps, namespace: "default", name: "a", .merge(["data": ["k": "v"]]))
            try await client.delete(.configMaps, namespace: "default", name: "before")
            let first = try #require(try await it.next())
            let second = try #require(try await it.next())
            let third = try #require(try await it.next())
            #expect([first.type, second.type, third.type] == [.added, .modified, .deleted])
            #expect(names([first.object, second.object, third.object]) == ["a", "a", "before"])
            #expect(second.object[path: "data", "k"] == "v")
            await server.sendBookmarks()
            let mark = try #require(try await it.next())
            #expect(mark.type == .bookmark)
            #expect(mark.resourceVersion == (await server.resourceVersion()))
        }
    }

    @Test("a watch from an expired resourceVersion fails with gone (410)")
    func expired() async throws {
        try await withLocalServer(historyCapacity: 2, retry: .fastRetries) { client, _ in
            let list = try await client.list(.configMaps, namespace: "default")
            for i in 0..<5 { _ = try await client.create(.configMaps, namespace: "default", configMap("c\(i)")) }
            await #expect {
                let stream = try await client.watch(.configMaps, namespace: "default",
                                                    options: WatchOptions(resourceVersion: list.resourceVersion))
                for try await _ in stream {}
            } throws: { error in
                guard let error = error as? KubeError, case .gone = error else { return false }
                return true
            }
        }
    }

    @Test("timeoutSeconds ends the stream cleanly; a dropped connection ends it with a transport error")
    func endings() async throws {
        try await withLocalServer(retry: .fastRetries) { client, server in
            let rv = try await client.list(.configMaps).resourceVersion
            let timed = try await client.watch(.configMaps, options: WatchOptions(resourceVersion: rv, timeoutSeconds: 1))
            var count = 0
            for try await _ in timed { count += 1 }
            #expect(count == 0)

            let dropped = try await client.watch(.configMaps, options: WatchOptions(resourceVersion: rv))
            var it = dropped.makeAsyncIterator()
            #expect(await server.dropAllWatches() == 1)
            do {
                while try await it.next() != nil {}
                // A server that closes the response cleanly looks like a timeout; both resume from the last version.
            } catch let error as KubeError {
                #expect(error.reason == "Transport")
            }
        }
    }
}
