import Foundation
import KubeLocal

/// Runs the real `kubectl` against a KubeLocal server with its own kubeconfig and discovery cache.
struct Kubectl {
    static let path = "/usr/bin/kubectl"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }

    let directory: URL
    let kubeconfig: URL

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    init(server: LocalAPIServer) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kubectl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        kubeconfig = directory.appendingPathComponent("kubeconfig")
        try server.kubeconfig(name: "local").write(to: kubeconfig, atomically: true, encoding: .utf8)
    }

    func clearDiscoveryCache() {
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("cache"))
    }

    private func process(_ arguments: [String]) -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.path)
        process.arguments = ["--kubeconfig", kubeconfig.path, "--cache-dir", directory.appendingPathComponent("cache").path] + arguments
        process.environment = ["HOME": directory.path, "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        return (process, out, err)
    }

    /// Runs kubectl to completion (`stdin` piped in when given).
    func run(_ arguments: String..., stdin: String? = nil) async throws -> Result {
        try await run(arguments, stdin: stdin)
    }

    func run(_ arguments: [String], stdin: String? = nil) async throws -> Result {
        let (process, out, err) = process(arguments)
        let input = Pipe()
        if stdin != nil { process.standardInput = input }
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let o = out.fileHandleForReading.readDataToEndOfFile()
                let e = err.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                                                      stderr: String(decoding: e, as: UTF8.self)))
            }
        }
    }

    /// A long-running kubectl (e.g. `get --watch`) whose output is read as it arrives.
    final class Streaming: @unchecked Sendable {
        let process: Process
        let out: Pipe
        private let lock = NSLock()
        private var text = ""

        init(_ process: Process, _ out: Pipe) {
            self.process = process
            self.out = out
        }

        /// Reads stdout until `done` holds for everything read so far; returns it.
        func read(until done: @escaping @Sendable (String) -> Bool) async -> String {
            await withCheckedContinuation { continuation in
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

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    func start(_ arguments: String...) throws -> Streaming {
        let (process, out, _) = process(arguments)
        try process.run()
        return Streaming(process, out)
    }
}
