import Foundation
import Testing
@testable import ClassifierServer
import SemrouteTestSupport

/// The Python ext_proc client (python/extproc_client.py) uses Envoy's own message definitions from the
/// PyPI package `envoy-data-plane` over grpcio, so it checks our wire format independently of our generated
/// code. Needs: `python3 -m pip install grpcio==1.85.3 envoy-data-plane==2.2.0` (CI installs them).
enum PythonClient {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python/extproc_client.py").path
    static func run(_ arguments: [String]) -> (status: Int32, output: String) { Python.run(arguments) }

    static let available: Bool = Python.canImport("grpc, envoy_data_plane.envoy.service.ext_proc.v3")
}

@Suite("ext_proc against an independent Python client (Envoy's own protos)", .timeLimit(.minutes(10)), .uses(.cpu))
struct PythonClientTests {
    @Test("rewrite, pass-through and PII block look right to a client built on Envoy's message definitions",
          .enabled(if: PythonClient.available,
                   "python3 with grpcio and envoy-data-plane not found: python3 -m pip install grpcio==1.85.3 envoy-data-plane==2.2.0"))
    func pythonClient() async throws {
        try await ClassifierServerHarness.with(config: TestConfigs.keywordRoute()) { harness in
            let port = harness.ports.grpc
            // The script blocks on its own gRPC calls; run it off the cooperative pool.
            let result = await withCheckedContinuation { continuation in
                Thread.detachNewThread {
                    continuation.resume(returning: PythonClient.run([PythonClient.script, "127.0.0.1:\(port)"]))
                }
            }
            #expect(result.status == 0, "python client failed:\n\(result.output)")
            #expect(result.output.contains("all scenarios passed"), "\(result.output)")
        }
    }

    @Test("the phases Envoy sends, played by the Python client from the rendered filter: cache off and on",
          .enabled(if: PythonClient.available,
                   "python3 with grpcio and envoy-data-plane not found: python3 -m pip install grpcio==1.85.3 envoy-data-plane==2.2.0"),
          arguments: [("keyword-only.yaml", "SELECT with GROUP BY in postgres", "off"),
                      ("cache.yaml", "Why was I charged twice this month?", "on")])
    func pythonPhases(sample: String, prompt: String, cache: String) async throws {
        let route = try ExtProcPhaseTests.RenderedRoute(sample: sample, edit: ExtProcPhaseTests.blockCreditCards)
        try await ClassifierServerHarness.with(config: route.config, encoder: cache == "on" ? HashedWordsEncoder() : nil) { harness in
            let arguments = [PythonClient.script, "phases", "127.0.0.1:\(harness.ports.grpc)", route.filterJSON,
                             route.config.models[0], prompt, cache]
            let result = await withCheckedContinuation { continuation in
                Thread.detachNewThread { continuation.resume(returning: PythonClient.run(arguments)) }
            }
            #expect(result.status == 0, "python client failed:\n\(result.output)")
            #expect(result.output.contains("all scenarios passed"), "\(result.output)")
        }
    }
}
