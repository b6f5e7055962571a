import Foundation
import KubeCore
import KubeLocal
import Logging
@testable import KubeClient

/// Starts KubeLocal on a free port and a client pointed at it; stops both afterwards.
func withLocalServer<T: Sendable>(historyCapacity: Int = 10_000,
                                  retry: RetryPolicy = RetryPolicy(backoff: Backoff(initial: .milliseconds(1),
                                                                                    maximum: .milliseconds(20))),
                                  _ body: (KubeClient, LocalAPIServer) async throws -> T) async throws -> T {
    let server = try await LocalAPIServer.start(.init(port: 0, historyCapacity: historyCapacity))
    let client: KubeClient
    do {
        client = try KubeClient(config: KubeConfig(server: URL(string: server.baseURL)!), retryPolicy: retry,
                                requestTimeout: .seconds(20), logger: Logger(label: "test"))
    } catch {
        await server.stop()
        throw error
    }
    do {
        let result = try await body(client, server)
        try? await client.shutdown()
        await server.stop()
        return result
    } catch {
        try? await client.shutdown()
        await server.stop()
        throw error
    }
}

func configMap(_ name: String, namespace: String = "default", labels: [String: String] = [:],
               data: [String: String] = [:]) -> JSONValue {
    var meta = JSONObject([("name", .string(name)), ("namespace", .string(namespace))])
    if !labels.isEmpty {
        meta["labels"] = .object(JSONObject(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
    }
    return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(meta),
            "data": .object(JSONObject(data.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))]
}

func names(_ items: [JSONValue]) -> [String] { items.compactMap { $0[path: "metadata", "name"]?.stringValue } }
