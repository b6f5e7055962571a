import ClassifierConfig
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Testing
@testable import ClassifierServer
import SemrouteTestSupport

@Suite("Shadow traffic", .timeLimit(.minutes(10)), .uses(.cpu))
struct ShadowTests {
    @Test("a matched request is copied to the shadow backend with its model, and the real request is answered without waiting for it")
    func mirrorsWithoutDelay() async throws {
        let (received, receivedSink) = AsyncStream.makeStream(of: [String: Any].self)
        let (gate, openGate) = AsyncStream.makeStream(of: Void.self)
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
            receivedSink.yield(object.merging(["x-semroute-shadow": request.headers[.init("x-semroute-shadow")!] ?? ""]) { a, _ in a })
            for await _ in gate {}  // hold the shadow response until the test has its real answer
            return Response(status: .ok)
        }
        let (bound, boundSink) = AsyncStream.makeStream(of: Int.self)
        let target = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                 onServerRunning: { boundSink.yield($0.localAddress?.port ?? -1) },
                                 logger: Logger(label: "test.shadow-target"))
        let targetGroup = ServiceGroup(configuration: .init(services: [target], logger: Logger(label: "test.shadow-target")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await targetGroup.run() }
            var ports = bound.makeAsyncIterator()
            let port = try #require(await ports.next())
            let shadow = ClassifierConfig.Shadow(url: "http://127.0.0.1:\(port)/v1/chat/completions", model: "qwen-next", percent: 100)
            try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute(shadow: shadow)) { harness in
                try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                    let answers = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: Envoy.chat(model: "MoM", "an integral please"))])
                    #expect(answers[1].newBodyJSON?["model"] as? String == "llm-mom.math", "answered while the shadow copy is still held")
                    var copies = received.makeAsyncIterator()
                    let copy = try #require(await copies.next())
                    #expect(copy["model"] as? String == "qwen-next")
                    #expect(copy["x-semroute-shadow"] as? String == "1")
                    let messages = copy["messages"] as? [[String: Any]]
                    #expect(messages?.first?["content"] as? String == "an integral please")
                    openGate.finish()
                }
            }
            await targetGroup.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test("a full shadow queue drops copies instead of waiting")
    func dropsWhenFull() async throws {
        let mirror = ShadowMirror(limits: .init(queueCapacity: 2, maxConcurrent: 1, timeout: .seconds(1)),
                                  metrics: ClassifierMetrics(), logger: Logger(label: "test.shadow"))
        // Not running: nothing consumes the queue.
        let copy = ShadowMirror.Copy(url: "http://127.0.0.1:9/v1/chat/completions", body: [])
        #expect(mirror.submit(copy))
        #expect(mirror.submit(copy))
        #expect(!mirror.submit(copy))
    }
}
