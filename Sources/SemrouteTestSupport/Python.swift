import Foundation

/// The Python interpreter the independent clients and receivers of the tests run on (`SEMROUTE_PYTHON`, else
/// `python3` on PATH): their dependencies (grpcio, envoy-data-plane, opentelemetry-proto) are pip packages.
public enum Python {
    public static let interpreter = ProcessInfo.processInfo.environment["SEMROUTE_PYTHON"] ?? "python3"

    /// Runs `python3 arguments...` to its end; returns the exit status and the combined output. Blocks: call it
    /// off the cooperative pool (`Thread.detachNewThread`).
    public static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [interpreter] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// Whether `import <modules>` succeeds.
    public static func canImport(_ modules: String) -> Bool {
        run(["-c", "import \(modules)"]).status == 0
    }
}
