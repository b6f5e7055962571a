import Foundation
import KubeClient
import KubeCore
import KubeLocal
import Logging

/// Starts KubeLocal on a free port and a client pointed at it; stops both afterwards.
func withLocalServer<T: Sendable>(historyCapacity: Int = 10_000,
                                  _ body: (KubeClient, LocalAPIServer) async throws -> T) async throws -> T {
    let server = try await LocalAPIServer.start(.init(port: 0, historyCapacity: historyCapacity))
    let client: KubeClient
    do {
        client = try KubeClient(config: KubeConfig(server: URL(string: server.baseURL)!),
                                retryPolicy: RetryPolicy(maxAttempts: 1), requestTimeout: .seconds(20),
                                logger: Logger(label: "test"))
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

func configMap(_ name: String, data: [String: String] = [:]) -> JSONValue {
    ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": "default"],
     "data": .object(JSONObject(data.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))]
}

/// Name and resourceVersion of every object, for comparing a cache with the server.
func versions(_ items: [JSONValue]) -> [String: String] {
    Dictionary(uniqueKeysWithValues: items.map {
        ($0[path: "metadata", "name"]?.stringValue ?? "", $0[path: "metadata", "resourceVersion"]?.stringValue ?? "")
    })
}
