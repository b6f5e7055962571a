import Foundation
import KubeCore
import KubeLocal
import Testing
import SemrouteTestSupport

@Suite("REST semantics over HTTP", .timeLimit(.minutes(10)), .uses(.localServer))
struct RESTSemanticsTests {
    @Test("create, get, update with a stale resourceVersion is a 409 Conflict Status")
    func optimisticConcurrency() async throws {
        try await LocalAPIServer.withRunning { server in
            let http = HTTP(base: server.baseURL)
            let created = try await http.send("POST", "/api/v1/namespaces/default/configmaps", configMap("a", data: ["k": "v"]))
            #expect(created.code == 201)
            let rv = try #require(created.body[path: "metadata", "resourceVersion"]?.stringValue)
            #expect(created.body[path: "metadata", "uid"]?.stringValue?.isEmpty == false)
            var updated = created.body
            updated["data"] = ["k": "w"]
            let ok = try await http.send("PUT", "/api/v1/namespaces/default/configmaps/a", updated)
            #expect(ok.code == 200)
            #expect(ok.body[path: "metadata", "resourceVersion"]?.stringValue != rv)
            let stale = try await http.send("PUT", "/api/v1/namespaces/default/configmaps/a", updated)
            #expect(stale.code == 409)
            #expect(stale.body["kind"] == "Status")
            #expect(stale.body["reason"] == "Conflict")
            #expect(stale.body[path: "details", "name"] == "a")
            #expect(stale.body[path: "details", "kind"] == "configmaps")
        }
    }

    @Test("a missing object is a 404 NotFound Status naming the resource and group")
    func notFound() async throws {
        try await LocalAPIServer.withRunning { server in
            let reply = try await HTTP(base: server.baseURL).send("GET", "/apis/apps/v1/namespaces/default/deployments/nope")
            #expect(reply.code == 404)
            #expect(reply.body["reason"] == "NotFound")
            #expect(reply.body["message"] == "deployments.apps \"nope\" not found")
            #expect(reply.body[path: "details", "group"] == "apps")
            #expect(reply.body["code"] == 404)
        }
    }

    @Test("creating an existing name is a 409 AlreadyExists")
    func alreadyExists() async throws {
        try await LocalAPIServer.withRunning { server in
            let http = HTTP(base: server.baseURL)
            _ = try await http.send("POST", "/api/v1/namespaces/default/configmaps", configMap("a"))
            let again = try await http.send("POST", "/api/v1/namespaces/default/configmaps", configMap("a"))
            #expect(again.code == 409)
            #expect(again.body["reason"] == "AlreadyExists")
        }
    }

    @Test("list filters by label selector operators and pages with limit and continue")
    func listSelectorsAndPaging() async throws {
        try await LocalAPIServer.withRunning { server in
            let http = HTTP(base: server.baseURL)
            for (name, tier) in [("a", "web"), ("b", "db"), ("c", "web"), ("d", "cache")] {
                _ = try await http.send("POST", "/api/v1/namespaces/default/configmaps", configMap(name, labels: ["tier": tier]))
            }
            _ = try await http.send("POST", "/api/v1/namespaces/default/configmaps", configMap("e"))
            func names(_ query: String) async throws -> [String] {
                let reply = try await http.send("GET", "/api/v1/namespaces/default/configmaps?" + query)
                return (reply.body["items"]?.arrayValue ?? []).compactMap { $0[path: "metadata", "name"]?.stringValue }
            }
            #expect(try await names("labelSelector=tier%3Dweb") == ["a", "c"])
            #expect(try await names("labelSelector=tier!%3Dweb") == ["b", "d", "e"])
            #expect(try await names("labelSelector=tier%20in%20(db,cache)") == ["b", "d"])
            #expect(try await names("labelSelector=tier%20notin%20(web)") == ["b", "d", "e"])
            #expect(try await names("labelSelector=!tier") == ["e"])
            #expect(try await names("labelSelector=tier") == ["a", "b", "c", "d"])
            #expect(try await names("fieldSelector=metadata.name%3Dc") == ["c"])
            let page1 = try await http.send("GET", "/api/v1/namespaces/default/configmaps?limit=2")
            #expect(page1.body["items"]?.arrayValue?.count == 2)
            let token = try #require(page1.body[path: "metadata", "continue"]?.stringValue)
            #expect(page1.body[path: "metadata", "remainingItemCount"] == 3)
            let page2 = try await http.send("GET", "/api/v1/namespaces/default/configmaps?limit=2&continue=" + token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(page2.body["items"]?.arrayValue?.compactMap { $0[path: "metadata", "name"]?.stringValue } == ["c", "d"])
            let bad = try await http.send("GET", "/api/v1/namespaces/default/configmaps?fieldSelector=spec.x%3D1")
            #expect(bad.code == 400)
        }
    }

    @Test("a watch from a list's resourceVersion sees later changes; an expired one gets a 410 Expired event")
    func watchFromResourceVersion() async throws {
        try await LocalAPIServer.withRunning(.init(historyCapacity: 3)) { server in
            let http = HTTP(base: server.baseURL)
            let list = try await http.send("GET", "/api/v1/namespaces/default/configmaps")
            let rv = try #require(list.body[path: "metadata", "resourceVersion"]?.stringValue)
            _ = try await http.send("POST", "/api/v1/namespaces/default/configmaps", configMap("x"))
            _ = try await http.send("DELETE", "/api/v1/namespaces/default/configmaps/x")
            let events = try await http.watch("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1&resourceVersion=\(rv)")
            #expect(events.map(\.type) == [.added, .deleted])
            for n in 0..<5 { _ = try await http.send("POST", "/api/v1/namespaces/default/configmaps", configMap("y\(n)")) }
            let expired = try await http.watch("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1&resourceVersion=\(rv)")
            #expect(expired.first?.type == .error)
            #expect(expired.first?.object["code"] == 410)
            #expect(expired.first?.object["reason"] == "Expired")
        }
    }

    @Test("fault injection answers the next matching requests with the injected Status and logs every request")
    func faultsAndLog() async throws {
        try await LocalAPIServer.withRunning { server in
            let http = HTTP(base: server.baseURL)
            server.faults.fail(verb: "list", resource: "configmaps", code: 429, count: 1, retryAfterSeconds: 2)
            let limited = try await http.send("GET", "/api/v1/namespaces/default/configmaps")
            #expect(limited.code == 429)
            #expect(limited.headers["retry-after"] == "2")
            #expect(limited.body["reason"] == "TooManyRequests")
            let fine = try await http.send("GET", "/api/v1/namespaces/default/configmaps")
            #expect(fine.code == 200)
            #expect(server.requestLog.count(verb: "list", resource: "configmaps") == 2)
            #expect(server.requestLog.writes.isEmpty)
        }
    }
}
