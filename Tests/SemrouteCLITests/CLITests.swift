import Foundation
import SemrouteTestSupport
import Testing

/// The `semroute` binary run as a user runs it: exit codes, what goes to stdout and what to stderr.
@Suite("semroute CLI", .timeLimit(.minutes(5)))
struct CLITests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The binary sits next to the test bundle in the build folder.
    static var binary: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("semroute").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("semroute")
    }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ args: [String], stdin: String? = nil, environment: [String: String] = [:]) async throws -> Outcome {
        try await runTool(binary.path, args, stdin: stdin.map { Data($0.utf8) }, environment: environment)
    }

    /// Runs a program in the repository root to its end; `environment` is added to this process's. The wait runs
    /// off the cooperative pool (``offThePool(_:)``), so tests running in parallel keep their threads.
    static func runTool(_ tool: String, _ args: [String], stdin: Data? = nil, environment: [String: String] = [:]) async throws -> Outcome {
        try await offThePool { try runToolBlocking(tool, args, stdin: stdin, environment: environment) }
    }

    private static func runToolBlocking(_ tool: String, _ args: [String], stdin: Data?, environment: [String: String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = args
        process.currentDirectoryURL = repoRoot
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }

    static let invalid = """
    apiVersion: semroute.io/v1alpha1
    kind: SemanticRoute
    metadata: {name: mom, namespace: llm}
    spec:
      gatewayRef: {name: ai-gateway}
      model: MoM
      backends:
      - {name: qwen-math, model: qwen, provider: SelfHosted, endpoint: {service: {name: vllm, port: 8000}}}
      - {name: gpt-4o-mini, model: gpt-4o-mini, provider: OpenAI, auth: {apiKey: {secretRef: {name: k}}}}
      decisions:
      - {name: math, when: {keywords: {any: [x]}}, targets: [{backend: qwen-math}]}
      - {name: code, when: {keywords: {any: [y]}}, targets: [{backend: qwen-mth}]}
      defaultTargets: [{backend: gpt-4o-mini}]
    """

    @Test("the binary was built")
    func binaryExists() { #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path), "\(Self.binary.path)") }

    @Test("validate exits 0 on a valid file and says so on stdout")
    func validateValid() async throws {
        let r = try await Self.run(["validate", "-f", "manifests/samples/mom.yaml"])
        #expect(r.status == 0 && r.stdout.contains("valid (llm/mom)") && r.stderr.isEmpty, "\(r)")
    }

    @Test("validate exits 1 with one line per problem on stderr: the file, then the field path")
    func validateInvalid() async throws {
        let r = try await Self.run(["validate", "-f", "-"], stdin: Self.invalid)
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "<stdin>: spec.decisions[1].targets[0].backend: Not found: \"qwen-mth\": no backend of this route has that name; known: qwen-math, gpt-4o-mini\n")
    }

    @Test("validate reports every problem of a file at once (unknown field, bound, unknown backend), each line naming the file")
    func validateEveryProblem() async throws {
        let text = Self.invalid.replacingOccurrences(of: "  model: MoM\n", with: "  model: MoM\n  colour: blue\n")
            .replacingOccurrences(of: "targets: [{backend: qwen-math}]", with: "targets: [{backend: qwen-math, weight: -3}]")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("every-problem-\(UUID().uuidString.prefix(6)).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try await Self.run(["validate", "-f", file.path])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.allSatisfy { $0.hasPrefix("\(file.path): spec.") }, "\(lines)")
        #expect(lines.contains { $0.contains("spec.colour") }, "\(lines)")
        #expect(lines.contains { $0.contains("spec.decisions[0].targets[0].weight") }, "\(lines)")
        #expect(lines.contains { $0.contains("spec.decisions[1].targets[0].backend") && $0.contains("qwen-mth") }, "\(lines)")
    }

    @Test("validate treats a null optional field as absent, as the API server does (Helm templates emit them)")
    func validateNulls() async throws {
        var text = try String(contentsOfFile: Self.repoRoot.appendingPathComponent("manifests/samples/mom.yaml").path, encoding: .utf8)
        text = text.replacingOccurrences(of: "  shadow: {backend: qwen-math-next, percent: 10}", with: "  shadow: null")
            .replacingOccurrences(of: "requests: {cpu: 100m, memory: 128Mi}", with: "requests: {cpu: null, memory: 128Mi}")
            .replacingOccurrences(of: "{backend: gpt-4o-mini, priority: 1}", with: "{backend: gpt-4o-mini, priority: null}")
        #expect(text.contains("shadow: null") && text.contains("cpu: null") && text.contains("priority: null"))
        let r = try await Self.run(["validate", "-f", "-"], stdin: text)
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        // A null where a value is required is still an error, in the API's words, never a raw decoding error.
        let required = text.replacingOccurrences(of: "  model: MoM\n", with: "  model: null\n")
        let bad = try await Self.run(["validate", "-f", "-"], stdin: required)
        #expect(bad.status == 1 && bad.stderr.contains("spec.model: Required value") && !bad.stderr.contains("DecodingError"), "\(bad)")
    }

    @Test("a missing file is a one-line error, not a stack trace")
    func missingFile() async throws {
        let r = try await Self.run(["validate", "-f", "does-not-exist.yaml"])
        #expect(r.status == 1 && r.stderr == "error: does-not-exist.yaml: no such file\n")
    }

    @Test("broken YAML is reported with its line")
    func brokenYAML() async throws {
        let r = try await Self.run(["validate", "-f", "-"], stdin: "apiVersion: semroute.io/v1alpha1\nkind: [\n")
        #expect(r.status == 1 && r.stderr.contains("invalid YAML") && !r.stderr.contains("Fatal error"), "\(r)")
    }

    @Test("a YAML syntax error is one line: file:line:column: invalid YAML: problem (validate and render)")
    func yamlSyntaxErrorPosition() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("semroute-bad-\(UUID().uuidString).yaml")
        try "apiVersion: semroute.io/v1alpha1\nkind: SemanticRoute\nspec:\n  model: a: b\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let expected = "\(file.path):4:11: invalid YAML: mapping values are not allowed in this context\n"
        for command in ["validate", "render"] {
            let r = try await Self.run([command, "-f", file.path])
            #expect(r.status == 1 && r.stdout.isEmpty && r.stderr == expected, "\(command): \(r)")
        }
        let stdin = try await Self.run(["validate", "-f", "-"], stdin: "a: [1\n")
        #expect(stdin.status == 1 && stdin.stderr == "<stdin>:2:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence from line 1, column 4)\n", "\(stdin)")
    }

    @Test("render prints multi-document YAML in a stable order, nothing on stderr")
    func renderYAML() async throws {
        let a = try await Self.run(["render", "-f", "manifests/samples/mom.yaml"])
        let b = try await Self.run(["render", "-f", "manifests/samples/mom.yaml"])
        #expect(a.status == 0 && a.stderr.isEmpty && a.stdout == b.stdout)
        let kinds = a.stdout.split(separator: "\n").filter { $0.hasPrefix("kind: ") }.map { String($0.dropFirst(6)) }
        #expect(kinds.first == "ConfigMap" && kinds.contains("AIGatewayRoute") && kinds.last == "EnvoyPatchPolicy", "\(kinds)")
        #expect(a.stdout.components(separatedBy: "---\n").count - 1 == kinds.count)
    }

    @Test("render -o json prints a v1 List kubectl can apply")
    func renderJSON() async throws {
        let r = try await Self.run(["render", "-f", "manifests/samples/mom.yaml", "-o", "json"])
        #expect(r.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(object?["kind"] as? String == "List")
        #expect(((object?["items"] as? [Any])?.count ?? 0) > 5)
    }

    @Test("render refuses an invalid route and writes nothing to stdout")
    func renderInvalid() async throws {
        let r = try await Self.run(["render", "-f", "-"], stdin: Self.invalid)
        #expect(r.status == 1 && r.stdout.isEmpty && r.stderr.hasPrefix("<stdin>: spec.decisions[1].targets[0].backend:"), "\(r)")
    }

    @Test("render refuses a route the target AI Gateway release cannot serve, names the field and the flag, and renders it for v1.2")
    func renderTargetRelease() async throws {
        let sample = "manifests/samples/providers/aws-openai.yaml"
        let old = try await Self.run(["render", "-f", sample])
        #expect(old.status == 1 && old.stdout.isEmpty, "\(old)")
        #expect(old.stderr.hasPrefix("\(sample): llm/aws-openai: spec.backends[0].provider: Unsupported value: \"AWSOpenAI\": the AWSOpenAI schema needs Envoy AI Gateway v1.2 or later, and the target release is v1.1\n"), "\(old.stderr)")
        #expect(old.stderr.contains("--ai-gateway-version"))
        let new = try await Self.run(["render", "-f", sample, "--ai-gateway-version", "v1.2"])
        #expect(new.status == 0 && new.stderr.isEmpty, "\(new)")
        #expect(new.stdout.contains("name: AWSOpenAI"))
    }

    @Test("render refuses an unpinned classifier image")
    func renderLatest() async throws {
        let r = try await Self.run(["render", "-f", "manifests/samples/mom.yaml", "--classifier-image", "ghcr.io/x/semroute:latest"])
        #expect(r.status != 0 && r.stdout.isEmpty && r.stderr.contains("--classifier-image"))
    }

    @Test("crd prints the committed CRD")
    func crd() async throws {
        let r = try await Self.run(["crd"])
        let committed = try String(contentsOf: Self.repoRoot.appendingPathComponent("crds/semroute.io_semanticroutes.yaml"), encoding: .utf8)
        #expect(r.status == 0 && r.stdout == committed)
    }
}
