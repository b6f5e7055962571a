import Foundation
import KubeLocal

/// Runs the real `kubectl` with its own kubeconfig, discovery cache and `HOME` (a folder of its own per instance,
/// so tests running in parallel never share `~/.kube/cache`). Output goes to files, not pipes, so a chatty
/// command cannot block on a full pipe.
public struct Kubectl: Sendable {
    public static let path = "/usr/bin/kubectl"
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// The folder kubectl runs in: `HOME`, the discovery cache (`cache/`) and captured output.
    public let directory: URL
    public let kubeconfig: URL

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// kubectl for `kubeconfig` (a file), working in `directory` (created when missing).
    public init(kubeconfig: URL, directory: URL) throws {
        self.directory = directory
        self.kubeconfig = kubeconfig
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// kubectl for a KubeLocal server, in a fresh temporary folder holding the server's kubeconfig.
    public init(server: LocalAPIServer) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kubectl-\(UUID().uuidString)")
        try self.init(kubeconfig: directory.appendingPathComponent("kubeconfig"), directory: directory)
        try server.kubeconfig(name: "local").write(to: kubeconfig, atomically: true, encoding: .utf8)
    }

    public func clearDiscoveryCache() {
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("cache"))
    }

    /// Removes the working folder (kubeconfig included when it lives there).
    public func removeDirectory() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func process(_ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.path)
        process.arguments = ["--kubeconfig", kubeconfig.path, "--cache-dir", directory.appendingPathComponent("cache").path]
            + arguments
        process.environment = ["HOME": directory.path, "PATH": "/usr/bin:/bin"]
        return process
    }

    /// Runs kubectl to completion (`stdin` piped in when given).
    public func run(_ arguments: String..., stdin: String? = nil) async throws -> Result {
        try await run(arguments, stdin: stdin)
    }

    public func run(_ arguments: [String], stdin: String? = nil) async throws -> Result {
        let process = process(arguments)
        let outPath = directory.appendingPathComponent("stdout-\(UUID().uuidString.prefix(8))").path
        let errPath = directory.appendingPathComponent("stderr-\(UUID().uuidString.prefix(8))").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let outHandle = FileHandle(forWritingAtPath: outPath)
        let errHandle = FileHandle(forWritingAtPath: errPath)
        process.standardOutput = outHandle
        process.standardError = errHandle
        if let stdin {
            let input = Pipe()
            process.standardInput = input
            try await runToExit(process) {
                input.fileHandleForWriting.write(Data(stdin.utf8))
                try input.fileHandleForWriting.close()
            }
        } else {
            process.standardInput = FileHandle.nullDevice
            try await runToExit(process)
        }
        try? outHandle?.close()
        try? errHandle?.close()
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, stdout: out, stderr: err)
    }

    /// A long-running kubectl (e.g. `get --watch`) whose output is read as it arrives.
    public final class Streaming: @unchecked Sendable {
        public let process: Process
        let out: Pipe
        private let lock = NSLock()
        private var text = ""

        init(_ process: Process, _ out: Pipe) {
            self.process = process
            self.out = out
        }

        /// Reads stdout until `done` holds for everything read so far (or the output ends); returns it. After
        /// `limit` the process is terminated, which ends the output: the caller's expectation then fails on what
        /// was read instead of hanging.
        public func read(within limit: Duration = defaultWaitLimit,
                         until done: @escaping @Sendable (String) -> Bool) async -> String {
            let process = self.process
            let timer = Task {
                do { try await Task.sleep(for: limit) } catch { return }
                if process.isRunning { process.terminate() }
            }
            defer { timer.cancel() }
            return await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    while true {
                        let data = self.out.fileHandleForReading.availableData
                        self.lock.lock()
                        self.text += String(decoding: data, as: UTF8.self)
                        let snapshot = self.text
                        self.lock.unlock()
                        if data.isEmpty || done(snapshot) {
                            continuation.resume(returning: snapshot)
                            return
                        }
                    }
                }
            }
        }

        /// Terminates kubectl (if still running); it exits on its own shortly after.
        public func stop() {
            if process.isRunning { process.terminate() }
        }
    }

    public func start(_ arguments: String...) throws -> Streaming {
        let process = process(arguments)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        return Streaming(process, out)
    }
}
