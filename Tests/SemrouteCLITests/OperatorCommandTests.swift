import Foundation
import Synchronization
import Testing
import SemrouteTestSupport

/// `semroute operator` run as a cluster runs it: the built binary against `semroute apiserver`, probed over HTTP
/// the way a kubelet and Prometheus probe it, stopped with SIGTERM as a pod is.
@Suite("semroute operator", .timeLimit(.minutes(10)), .uses(.localServer), .serialized)
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
        let crd = try await kubectl(kubeconfig, ["apply", "-f", CLITests.repoRoot.appendingPathComponent("crds/semroute.io_semanticroutes.yaml").path])
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

        let health = try await curl("http://127.0.0.1:\(healthPort)/healthz")
        #expect(health.code == 200 && health.body == "ok\n", "\(health)")
        // Readiness follows the controller's own signal that every store has its first list.
        _ = try await op.readUntil("\"stores ready\"", seconds: 60) { Self.json($0)?["msg"] as? String == "stores ready; reconciling" }
        let ready = try await curl("http://127.0.0.1:\(healthPort)/readyz")
        #expect(ready.code == 200, "\(ready)")
        #expect(try await curl("http://127.0.0.1:\(healthPort)/metrics").code == 404, "metrics are on their own address")

        // A route is reconciled: its status is written, and the reconcile shows in the metrics.
        // `kubectl create namespace` sends protobuf, which KubeLocal does not read (docs/local-api-server.md).
        let ns = try await CLITests.runTool(DevCommandTests.kubectl, ["--kubeconfig", kubeconfig, "apply", "-f", "-"],
                                      stdin: Data("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"llm\"}}".utf8))
        #expect(ns.status == 0, "\(ns)")
        let route = try await kubectl(kubeconfig, ["apply", "-f", CLITests.repoRoot.appendingPathComponent("manifests/samples/mom.yaml").path])
        #expect(route.status == 0, "\(route)")
        let observed = try await kubectl(kubeconfig, ["wait", "-n", "llm", "sroute/mom", "--for=jsonpath={.status.observedGeneration}=1", "--timeout=60s"])
        #expect(observed.status == 0, "\(observed)")
        let metrics = try await curl("http://127.0.0.2:\(metricsPort)/metrics")
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
    func badSettings(args: [String], environment: [String: String], expected: String) async throws {
        // No kubeconfig exists at this path: if the settings passed, the error would be about the kubeconfig instead.
        let outcome = try await CLITests.run(["operator", "--kubeconfig", "/nonexistent/kubeconfig"] + args, environment: environment)
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains(expected), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("/nonexistent/kubeconfig"), "settings are checked before the kubeconfig is read")
    }

    @Test("operator --help shows every option's default, and the defaults docs/operations.md states")
    func helpShowsDefaults() async throws {
        let help = try await CLITests.run(["operator", "--help"])
        #expect(help.status == 0, "\(help)")
        let entries = Self.optionEntries(help.stdout)
        #expect(entries["--resync-seconds"] != nil, "\(help.stdout)")
        for (flag, text) in entries where !["--help", "-h", "--version"].contains(flag) {
            #expect(text.contains("(default: "), "\(flag) shows no default: \(text)")
        }
        // Every flag row of the docs' table: a literal default (`value` or a number) appears as is in the help.
        let docs = try String(contentsOf: CLITests.repoRoot.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        var checked = 0
        for row in docs.split(separator: "\n") where row.hasPrefix("| `--") {
            let cells = row.replacingOccurrences(of: "\\|", with: "/").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let flag = String(cells[0].dropFirst().prefix { $0 != " " && $0 != "`" })
            let stated = cells[2]
            let literal = stated.hasPrefix("`") && stated.hasSuffix("`") ? String(stated.dropFirst().dropLast())
                : Int(stated) != nil ? stated : nil
            guard let entry = entries[flag] else {
                Issue.record("docs/operations.md lists \(flag), which operator --help does not")
                continue
            }
            if let literal {
                #expect(entry.contains("(default: \(literal))"), "\(flag): the docs say \(literal); help says \(entry)")
                checked += 1
            }
        }
        #expect(checked >= 9, "the docs' table was not found or changed shape")
    }

    /// `OPTIONS:` of a help text: each option's names (`--a/--no-a`, `-h, --help`) to its text on one line.
    static func optionEntries(_ help: String) -> [String: String] {
        var entries: [String: String] = [:]
        var names: [String] = []
        for line in help.split(separator: "\n", omittingEmptySubsequences: false).drop(while: { $0 != "OPTIONS:" }).dropFirst() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("  -") {
                // The names column ends where two spaces start the description.
                let head = trimmed.range(of: "  ").map { trimmed[..<$0.lowerBound] } ?? trimmed[...]
                names = head.split(whereSeparator: { "/, ".contains($0) }).map(String.init).filter { $0.hasPrefix("-") }
                for name in names { entries[name] = trimmed }
            } else if !trimmed.isEmpty {
                for name in names { entries[name, default: ""] += " " + trimmed }
            }
        }
        return entries
    }

    static func json(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    func kubectl(_ kubeconfig: String, _ args: [String]) async throws -> CLITests.Outcome {
        try await CLITests.runTool(DevCommandTests.kubectl, ["--kubeconfig", kubeconfig] + args)
    }

    struct HTTPAnswer: CustomStringConvertible {
        var code: Int
        var body: String
        var description: String { "HTTP \(code): \(body.prefix(500))" }
    }

    func curl(_ url: String) async throws -> HTTPAnswer {
        let out = try await CLITests.runTool(DevCommandTests.curl, ["-s", "-w", "\n%{http_code}", url])
        var lines = out.stdout.components(separatedBy: "\n")
        let code = Int(lines.removeLast()) ?? 0
        return HTTPAnswer(code: code, body: lines.joined(separator: "\n"))
    }
}
