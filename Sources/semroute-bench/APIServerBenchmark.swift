import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeCore
import KubeLocal

/// `semroute-bench apiserver`: KubeLocal throughput (create, list), watch fan-out latency and memory, measured over
/// real HTTP against an in-process server.
struct APIServerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apiserver",
        abstract: "KubeLocal: create and list objects/s, watch fan-out latency with N watchers, RSS with M objects."
    )

    @Option(help: "Objects to create.")
    var objects = 10_000

    @Option(help: "Concurrent watchers for the fan-out measurement.")
    var watchers = 100

    @Option(help: "Changes to time in the fan-out measurement.")
    var events = 50

    @Option(help: "Concurrent HTTP clients creating objects.")
    var concurrency = 8

    func run() async throws {
        let rssStart = Measure.peakRSSMiB()
        let server = try await LocalAPIServer.start(.init(historyCapacity: 1_000))
        let base = server.baseURL
        let session = URLSession(configuration: .ephemeral)

        // Create.
        let clock = ContinuousClock()
        let createTime = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<concurrency {
                    group.addTask {
                        for i in stride(from: worker, to: objects, by: concurrency) {
                            try await Self.post(session, base + "/api/v1/namespaces/default/configmaps", Self.configMap(i))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let rssAfterCreate = Measure.peakRSSMiB()

        // List (all objects in one response, three rounds).
        var listTimes: [Double] = []
        for _ in 0..<3 {
            let t = try await clock.measure {
                let (data, _) = try await session.data(from: URL(string: base + "/api/v1/namespaces/default/configmaps")!)
                let list = try JSONParser.parse([UInt8](data))
                guard list["items"]?.arrayValue?.count == objects else { throw ValidationError("list returned the wrong count") }
            }
            listTimes.append(Measure.seconds(t))
        }
        listTimes.sort()

        // Watch fan-out: every watcher sees every change; latency from just before the write to receipt.
        let port = server.port
        let fanout = WatchFanout(port: port, watchers: watchers, events: events)
        fanout.base = objects
        try fanout.connect()
        while await server.watchCount() < watchers { await Task.yield() }
        var latencies: [Double] = []
        for e in 0..<events {
            let sent = DispatchTime.now().uptimeNanoseconds
            try await Self.post(session, base + "/api/v1/namespaces/default/configmaps", Self.configMap(objects + e, prefix: "fanout"))
            let received = fanout.waitForEvent(e)
            latencies += received.map { Double($0 &- sent) / 1e6 }
        }
        fanout.close()
        latencies.sort()
        await server.stop()

        let createSeconds = Measure.seconds(createTime)
        print("KubeLocal benchmark (\(objects) ConfigMaps, \(concurrency) concurrent clients, \(watchers) watchers × \(events) changes)")
        print(String(format: "create: %.2f s → %.0f objects/s", createSeconds, Double(objects) / createSeconds))
        print(String(format: "list %d objects: median %.3f s → %.0f objects/s", objects, Measure.quantile(listTimes, 0.5),
                     Double(objects) / Measure.quantile(listTimes, 0.5)))
        print(String(format: "watch fan-out latency (%d deliveries): p50 %.2f ms, p99 %.2f ms, max %.2f ms", latencies.count,
                     Measure.quantile(latencies, 0.5), Measure.quantile(latencies, 0.99), latencies.last ?? 0))
        print(String(format: "peak RSS: %.1f MiB at start, %.1f MiB after %d objects, %.1f MiB at the end", rssStart, rssAfterCreate,
                     objects, Measure.peakRSSMiB()))
    }

    static func configMap(_ i: Int, prefix: String = "cm") -> JSONValue {
        ["apiVersion": "v1", "kind": "ConfigMap",
         "metadata": ["name": .string("\(prefix)-\(i)"), "labels": ["app": .string(prefix == "cm" ? "bench" : prefix), "shard": .string(String(i % 16))]],
         "data": ["index": .string(String(i)), "payload": .string(String(repeating: "x", count: 200))]]
    }

    static func post(_ session: URLSession, _ url: String, _ body: JSONValue) async throws {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(JSONWriter.bytes(body))
        let (_, response) = try await session.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 201 else {
            throw ValidationError("create failed: \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
    }
}
