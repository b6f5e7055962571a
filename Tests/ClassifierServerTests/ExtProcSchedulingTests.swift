import ClassifierConfig
import ClassifierCore
import Dispatch
import Foundation
import Testing
@testable import ClassifierServer
import SemrouteTestSupport

/// An encoder that blocks, inside `embed`, on any text containing "hold" until the test opens the gate:
/// a request that is being embedded for as long as the test wants.
final class GatedEncoder: TextEncoder, @unchecked Sendable {
    let dimension = 4
    private let entered = DispatchSemaphore(value: 0)
    private let gate = DispatchSemaphore(value: 0)

    func embed(_ text: String) -> [Float] {
        if text.contains("hold") {
            entered.signal()
            gate.wait()
        }
        return [1, 0, 0, 0]
    }

    func embed(batch texts: [String]) -> [[Float]] { texts.map(embed) }

    /// Returns once some call is blocked in `embed`.
    func waitUntilEmbedding() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.entered.wait()
                done.resume()
            }
        }
    }

    func open() { gate.signal() }
}

@Suite("ext_proc: where the work runs", .timeLimit(.minutes(10)), .uses(.cpu))
struct ExtProcSchedulingTests {
    /// The gRPC transport and the stream handlers share the connection's event loop (EventLoopTaskExecutor);
    /// the encoder must run elsewhere, or one embedding stalls every other stream of the connection.
    @Test("while one request is in the encoder, other streams on the same connection are answered")
    func encoderDoesNotBlockTheConnection() async throws {
        let encoder = GatedEncoder()
        let config = ClassifierConfig(
            route: "llm/mom", models: ["MoM"],
            decisions: [.init(name: "similar", alias: "llm-mom.similar", priority: 10,
                              when: .init(examples: .init(utterances: ["anything at all"], threshold: 0.5)))],
            defaultAlias: "llm-mom.default")
        try await ClassifierServerHarness.with(config: config, encoder: encoder) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                try await withThrowingTaskGroup(of: String?.self) { group in
                    group.addTask {
                        let answers = try await envoy.exchange([Envoy.requestHeaders(), Envoy.requestBody(json: Envoy.chat(model: "MoM", "hold this one"))])
                        return answers.last?.newBodyJSON?["model"] as? String
                    }
                    await encoder.waitUntilEmbedding()
                    // 20 streams on the same client connection while the first is blocked in the encoder; a 60 s
                    // guard (generous on a loaded machine) turns a stalled loop into a failure instead of a hang (it
                    // opens the gate, so the stalled streams can finish and the group can return).
                    let othersAnswered = try await withThrowingTaskGroup(of: Bool.self) { race in
                        race.addTask {
                            for _ in 0..<20 {
                                let answers = try await envoy.exchange([Envoy.requestHeaders()])
                                guard answers.first?.isPlainContinue == true else { return false }
                            }
                            return true
                        }
                        race.addTask {
                            try await Task.sleep(for: .seconds(60))
                            encoder.open()
                            return false
                        }
                        let first = try await race.next() ?? false
                        race.cancelAll()
                        return first
                    }
                    if othersAnswered { encoder.open() }
                    #expect(othersAnswered, "streams answered while another request was being embedded")
                    let blockedModel = try await group.next() ?? nil
                    #expect(blockedModel == "llm-mom.similar", "the embedded request is answered once the encoder returns")
                }
            }
        }
    }
}
