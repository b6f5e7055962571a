import Foundation
import Synchronization
import Testing

/// `semroute operator` run as a cluster runs it: the built binary against `semroute apiserver`, probed over HTTP
/// the way a kubelet and Prometheus probe it, stopped with SIGTERM as a pod is.
@Suite("semroute operator", .serialized)
struct OperatorCommandTests {
    @Test("/healthz answers at once, /readyz once the stores synced, /metrics carries the reconcile metrics; SIGTERM exits 0")
    func endpoints() async throws {
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("semroute-operator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temp) }
        let kubeconfig = temp.appendingPathComponent("kubeconfig").path

        let apiserver = try DevProcess(["apiserver", "--port", "0", "--kubeconfig-out", kubeconfig],
                                       stderrFile: temp.appendingPathComponent("apiserver.log"))
        _ = try await apiserver.readUntil("listening", seconds: 60) { $0.hasPrefix("KubeLocal API server listening on") }
        let crd = try kubectl(kubeconfig, ["apply", "-f", CLITests.repoRoot.appendingPathComponent("crds/semroute.io_semanticroutes.yaml").path])
        #expect(crd.status == 0, "\(crd)")

        let op = try DevProcess(["operator", "--kubeconfig", kubeconfig, "--health-addr", "127.0.0.1:0",
                                 "--metrics-addr", "127.0.0.2:0", "--log-format", "json", "--resync-seconds", "3600"],
                                stderrFile: temp.appendingPathComponent("operator.stdout"), readingStderr: true)
        let serving = Mutex<[String: Int]>([:])
        _ = try await op.readUntil("two \"serving\" log lines", seconds: 60) { line in
            guard let log = Self.json(line), log["msg"] as? String == "serving", let paths = log["http.paths"] as? String,
                  let port = (log["net.port"] as? String).flatMap(Int.init) else { return false }
            return serving.withLock { $0[paths] = port; return $0.count == 2 }
        }
        let healthPort = try #require(serving.withLock { $0["/healthz,/readyz"] })
        let metricsPort = try #require(serving.withLock { $0["/metrics"] })

        let health = try curl("http://127.0.0.1:\(healthPort)/healthz")
        #expect(health.code == 200 && health.body == "ok\n", "\(health)")
        // Readiness follows the controller's own signal that every store has its first list.
        _ = try await op.readUntil("\"stores ready\"", seconds: 60) { Self.json($0)?["msg"] as? String == "stores ready; reconciling" }
        let ready = try curl("http://127.0.0.1:\(healthPort)/readyz")
        #expect(ready.code == 200, "\(ready)")
        #expect(try curl("http://127.0.0.1:\(healthPort)/metrics").code == 404, "metrics are on their own address")

        // A route is reconciled: its status is written, and the reconcile shows in the metrics.
        // `kubectl create namespace` sends protobuf, which KubeLocal does not read (docs/local-api-server.md).
        let ns = try CLITests.runTool(DevCommandTests.kubectl, ["--kubeconfig", kubeconfig, "apply", "-f", "-"],
                                      stdin: Data("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"llm\"}}".utf8))
        #expect(ns.status == 0, "\(ns)")
        let route = try kubectl(kubeconfig, ["apply", "-f", CLITests.repoRoot.appendingPathComponent("manifests/samples/mom.yaml").path])
        #expect(route.status == 0, "\(route)")
        let observed = try kubectl(kubeconfig, ["wait", "-n", "llm", "sroute/mom", "--for=jsonpath={.status.observedGeneration}=1", "--timeout=60s"])
        #expect(observed.status == 0, "\(observed)")
        let metrics = try curl("http://127.0.0.2:\(metricsPort)/metrics")
        #expect(metrics.code == 200, "\(metrics)")
        for family in ["semroute_reconcile_total", "semroute_reconcile_duration_seconds", "semroute_workqueue_depth",
                       "semroute_routes", "semroute_managed_objects"] {
            #expect(metrics.body.contains("# TYPE \(family) "), "\(family) missing from:\n\(metrics.body.prefix(4000))")
        }
        let reconciles = metrics.body.split(separator: "\n").filter { $0.hasPrefix("semroute_reconcile_total{") }
        #expect(reconciles.contains { $0.contains("result=\"success\"") || $0.contains("result=\"requeue_after\"") }, "\(reconciles)")

        let exit = try await op.interruptAndWait(seconds: 45, signal: SIGTERM)
        #expect(exit.status == 0, "\(exit.lines.suffix(20).joined(separator: "\n"))")
        let stopped = try await apiserver.interruptAndWait(seconds: 30)
        #expect(stopped.status == 0 || stopped.status == SIGINT, "\(stopped)")
    }

    @Test("bad flags and environment variables stop the operator before it connects, naming the flag and the reason",
          arguments: [
              (["--classifier-image", "ghcr.io/semroute/semroute:latest"], [:], "--classifier-image"),
              (["--health-addr", "localhost"], [:], "--health-addr \"localhost\": must be [host]:port"),
              (["--namespace", "Not_A_Namespace"], [:], "--namespace \"Not_A_Namespace\": not a valid namespace name"),
              (["--concurrency", "0"], [:], "--concurrency 0: must be 1 to 64"),
              (["--classifier-resources", "{\"requests\":{\"cpu\":\"lots\"}}"], [:], "--classifier-resources"),
              ([], ["SEMROUTE_LOG_FORMAT": "xml"], "SEMROUTE_LOG_FORMAT \"xml\": must be json or text"),
              ([], ["SEMROUTE_LEADER_ELECT": "maybe"], "SEMROUTE_LEADER_ELECT \"maybe\": must be true or false"),
          ] as [([String], [String: String], String)])
    func badSettings(args: [String], environment: [String: String], expected: String) throws {
        // No kubeconfig exists at this path: if the settings passed, the error would be about the kubeconfig instead.
        let outcome = try CLITests.run(["operator", "--kubeconfig", "/nonexistent/kubeconfig"] + args, environment: environment)
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains(expected), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("/nonexistent/kubeconfig"), "settings are checked before the kubeconfig is read")
    }

    static func json(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    func kubectl(_ kubeconfig: String, _ args: [String]) throws -> CLITests.Outcome {
        try CLITests.runTool(DevCommandTests.kubectl, ["--kubeconfig", kubeconfig] + args)
    }

    struct HTTPAnswer: CustomStringConvertible {
        var code: Int
        var body: String
        var description: String { "HTTP \(code): \(body.prefix(500))" }
    }

    func curl(_ url: String) throws -> HTTPAnswer {
        let out = try CLITests.runTool(DevCommandTests.curl, ["-s", "-w", "\n%{http_code}", url])
        var lines = out.stdout.components(separatedBy: "\n")
        let code = Int(lines.removeLast()) ?? 0
        return HTTPAnswer(code: code, body: lines.joined(separator: "\n"))
    }
}
