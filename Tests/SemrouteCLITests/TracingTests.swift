import Foundation
import KubeEnvtest
import Testing
import SemrouteTestSupport

/// `semroute classifier` exporting spans the way the operator deploys it: the environment comes from the
/// Deployment `semroute render` produces for manifests/samples/observability.yaml (endpoint pointed at the test's
/// receiver), the receiver is built on the OpenTelemetry project's own protos (hack/otlp-receiver.py), and
/// Envoy's side is played with Envoy's own ext_proc messages (ClassifierServerTests/python/extproc_client.py).
@Suite("classifier traces through a real OTLP receiver", .timeLimit(.minutes(5)))
struct TracingTests {
    static let receiver = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("hack/otlp-receiver.py").path
    static let extprocClient = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ClassifierServerTests/python/extproc_client.py").path
    static let missing = "python3 with grpcio, envoy-data-plane and opentelemetry-proto not found: python3 -m pip install grpcio==1.85.3 envoy-data-plane==2.2.0 opentelemetry-proto==1.45.2"
    static let available = Python.canImport("grpc, envoy_data_plane.envoy.service.ext_proc.v3, opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc")

    struct ReceivedSpan {
        var traceID, spanID, parentSpanID, name: String
        var service: String?
        var resource: [String: Any]
        var attributes: [String: Any]
        var start, end: UInt64

        init?(_ line: Substring) {
            guard line.hasPrefix("{"), let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let traceID = o["trace_id"] as? String, let spanID = o["span_id"] as? String, let name = o["name"] as? String
            else { return nil }
            self.traceID = traceID
            self.spanID = spanID
            self.parentSpanID = o["parent_span_id"] as? String ?? ""
            self.name = name
            service = o["service"] as? String
            resource = o["resource"] as? [String: Any] ?? [:]
            attributes = o["attributes"] as? [String: Any] ?? [:]
            start = (o["start"] as? NSNumber)?.uint64Value ?? 0
            end = (o["end"] as? NSNumber)?.uint64Value ?? 0
        }
    }

    @Test("spans join the traceparent Envoy sends (headers, or the stream's gRPC metadata first), one child per stage, no prompt text",
          .enabled(if: available, Comment(rawValue: missing)))
    func spansJoinEnvoysTrace() async throws {
        let temp = try Self.temporaryFolder("semroute-trace-")
        defer { try? FileManager.default.removeItem(at: temp) }

        // What the operator deploys for the sample: the classifier config and the container's environment.
        let rendered = try await CLITests.run(["render", "-f", "manifests/samples/observability.yaml", "-o", "json"])
        #expect(rendered.status == 0, "\(rendered)")
        let items = try #require((try JSONSerialization.jsonObject(with: Data(rendered.stdout.utf8)) as? [String: Any])?["items"] as? [[String: Any]])
        let configMap = try #require(items.first { $0["kind"] as? String == "ConfigMap" && (($0["data"] as? [String: Any])?["config.json"]) != nil })
        let configPath = temp.appendingPathComponent("config.json").path
        try #require(((configMap["data"] as? [String: Any])?["config.json"] as? String)).write(toFile: configPath, atomically: true, encoding: .utf8)
        let deployment = try #require(items.first { $0["kind"] as? String == "Deployment" })
        let container = try #require(((((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first)
        let env = try #require(container["env"] as? [[String: Any]])

        let ports = try FreePort.allocate(4)
        let receiver = try await Self.startReceiver(port: ports[0], in: temp)
        defer { Task { await receiver.stop() } }

        // The container's environment as kubelet would give it (values in order, `$(VAR)` expanded), with the
        // collector's address replaced by the receiver's and the batch delay shortened for the test.
        var variables: [(String, String)] = []
        for entry in env {
            let name = try #require(entry["name"] as? String)
            var value = entry["value"] as? String ?? (name == "POD_NAME" ? "classifier-test-pod" : "")
            for (known, knownValue) in variables { value = value.replacingOccurrences(of: "$(\(known))", with: knownValue) }
            if name == "OTEL_EXPORTER_OTLP_ENDPOINT" {
                #expect(value == "http://otel-collector.observability:4317")
                value = "http://127.0.0.1:\(ports[0])"
            }
            variables.append((name, value))
        }
        variables.append(("OTEL_BSP_SCHEDULE_DELAY", "100"))
        #expect(variables.contains { $0 == ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio") })
        #expect(variables.contains { $0 == ("OTEL_TRACES_SAMPLER_ARG", "0.01") })
        // Ratio 1 for the run: then only parent-based sampling can drop the unsampled request's span.
        variables = variables.map { $0.0 == "OTEL_TRACES_SAMPLER_ARG" ? ($0.0, "1") : $0 }
        let classifier = try ChildProcess(
            name: "classifier", executable: "/usr/bin/env",
            arguments: variables.map { "\($0.0)=\($0.1)" } + [CLITests.binary.path, "classifier", "--config", configPath,
                "--host", "127.0.0.1", "--grpc-port", "\(ports[1])", "--http-port", "\(ports[2])", "--metrics-port", "\(ports[3])"],
            logPath: temp.appendingPathComponent("classifier.log").path)
        defer { Task { await classifier.stop() } }
        _ = try await Self.lines(in: classifier.logPath, until: "the classifier to serve") { lines in
            lines.contains { $0.contains("classifier serving") } || lines.contains { $0.contains("\"error\"") }
        }
        #expect(classifier.isRunning, "\(classifier.logTail())")

        // Three requests as Envoy sends them; sampled parents in the headers and in the gRPC metadata.
        let headerTrace = "4bf92f3577b34da6a3ce929d0e0e4736", headerParent = "00f067aa0ba902b7"
        let metadataTrace = "0af7651916cd43dd8448eb211c80319c", metadataParent = "b7ad6b7169203331"
        let unsampledTrace = "11111111111111111111111111111111"
        let prompt = "SELECT name FROM users GROUP BY name in postgres"
        let arguments = [Self.extprocClient, "trace", "127.0.0.1:\(ports[1])", "helpdesk", prompt,
                         "00-\(headerTrace)-\(headerParent)-01", "00-\(metadataTrace)-\(metadataParent)-01",
                         "00-\(unsampledTrace)-2222222222222222-00"]
        let client = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: Python.run(arguments)) }
        }
        #expect(client.status == 0 && client.output.contains("all scenarios passed"), "\(client.output)")

        let spans = try await Self.lines(in: receiver.logPath, until: "both sampled requests' spans") { lines in
            let spans = lines.compactMap(ReceivedSpan.init)
            return [headerTrace, metadataTrace].allSatisfy { trace in spans.contains { $0.traceID == trace && $0.name == "semroute.classify" } }
        }.compactMap(ReceivedSpan.init)

        for (trace, parent) in [(headerTrace, headerParent), (metadataTrace, metadataParent)] {
            let inTrace = spans.filter { $0.traceID == trace }
            let root = try #require(inTrace.first { $0.name == "semroute.classify" })
            #expect(root.parentSpanID == parent, "the request span's parent is the span Envoy named")
            #expect(root.service == "semroute-classifier")
            #expect(root.resource["semroute.route"] as? String == "llm/observed")
            #expect(root.resource["k8s.pod.name"] as? String == "classifier-test-pod")
            #expect(root.attributes["semroute.route"] as? String == "llm/observed")
            #expect(root.attributes["semroute.decision"] as? String == "sql")
            #expect(root.attributes["semroute.alias"] as? String == "observed.sql")
            #expect(root.attributes["semroute.outcome"] as? String == "rewrite")
            let children = inTrace.filter { $0.parentSpanID == root.spanID }
            #expect(Set(children.map(\.name)) == ["semroute.parse", "semroute.safety", "semroute.decision", "semroute.rewrite"],
                    "\(children.map(\.name))")
            for child in children {
                #expect(child.start >= root.start && child.end <= root.end + 1_000_000, "\(child.name) lies within the request span")
            }
            // Nothing of the prompt in any attribute.
            for span in inTrace {
                for value in span.attributes.values { #expect(!"\(value)".contains("users"), "\(span.name): \(value)") }
            }
        }
        // The header's parent lost to the metadata's on the third request: no span of the header trace has it twice.
        #expect(spans.filter { $0.traceID == headerTrace && $0.name == "semroute.classify" }.count == 1)
        // Not sampled upstream: not exported even at ratio 1 (it was sent first, so its batch would have come no later).
        #expect(!spans.contains { $0.traceID == unsampledTrace })

        // The decision log: one line per classified request with its request id, no prompt.
        let log = (try? String(contentsOfFile: classifier.logPath, encoding: .utf8)) ?? ""
        let decisions = log.split(separator: "\n").filter { $0.contains("\"semroute.decision\"") }
        #expect(decisions.count == 3, "\(classifier.logTail())")
        #expect(decisions.allSatisfy { $0.contains("\"request.id\"") && $0.contains("\"decision\":\"sql\"") && !$0.contains("users") },
                "\(decisions)")
    }

    @Test("the operator traces its reconciles when the OTEL_* environment asks (semroute dev: operator and classifier in one process)",
          .enabled(if: available, Comment(rawValue: missing)))
    func reconcileSpans() async throws {
        let temp = try Self.temporaryFolder("semroute-trace-dev-")
        defer { try? FileManager.default.removeItem(at: temp) }
        let ports = try FreePort.allocate(1)
        let receiver = try await Self.startReceiver(port: ports[0], in: temp)
        defer { Task { await receiver.stop() } }
        let dev = try ChildProcess(
            name: "dev", executable: "/usr/bin/env",
            arguments: ["OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:\(ports[0])", "OTEL_EXPORTER_OTLP_PROTOCOL=grpc", "OTEL_BSP_SCHEDULE_DELAY=100",
                        CLITests.binary.path, "dev", "--port", "0", "--classifier-http-port", "0", "--classifier-grpc-port", "0",
                        "--metrics-port", "0", "--data-dir", temp.appendingPathComponent("data").path,
                        "--kubeconfig-out", temp.appendingPathComponent("kubeconfig").path],
            logPath: temp.appendingPathComponent("dev.log").path)
        defer { Task { await dev.stop() } }
        let spans = try await Self.lines(in: receiver.logPath, until: "a reconcile span of llm/mom") { lines in
            lines.compactMap(ReceivedSpan.init).contains { $0.name == "reconcile" && $0.attributes["k8s.object.name"] as? String == "mom" }
        }.compactMap(ReceivedSpan.init)
        let reconcile = try #require(spans.first { $0.name == "reconcile" && $0.attributes["k8s.object.name"] as? String == "mom" })
        #expect(reconcile.service == "semroute-dev", "\(dev.logTail())")
        #expect(reconcile.attributes["k8s.namespace.name"] as? String == "llm")
        #expect(reconcile.attributes["semroute.controller"] as? String == "semanticroute", "\(reconcile.attributes)")
        #expect(["success", "requeue_after"].contains(reconcile.attributes["semroute.reconcile.result"] as? String ?? ""), "\(reconcile.attributes)")
        #expect(reconcile.parentSpanID.isEmpty, "a reconcile is a root span")
        #expect(reconcile.end > reconcile.start)
    }

    static func temporaryFolder(_ prefix: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(prefix + UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// hack/otlp-receiver.py on `port`, once it listens; its log (one JSON line per span) in `folder`.
    static func startReceiver(port: Int, in folder: URL) async throws -> ChildProcess {
        let receiver = try ChildProcess(name: "otlp-receiver", executable: "/usr/bin/env", arguments: [Python.interpreter, "-u", Self.receiver, "\(port)"],
                                        logPath: folder.appendingPathComponent("receiver.log").path)
        _ = try await lines(in: receiver.logPath, until: "the receiver to listen") { $0.contains { $0.hasPrefix("listening ") } }
        return receiver
    }

    /// The lines of a child's log once `done` holds for them (checked every 50 ms, for at most 30 s).
    static func lines(in path: String, until what: String, _ done: ([Substring]) -> Bool) async throws -> [Substring] {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            let lines = text.split(separator: "\n")
            if done(lines) { return lines }
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what); log:\n\(lines.suffix(20).joined(separator: "\n"))")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
