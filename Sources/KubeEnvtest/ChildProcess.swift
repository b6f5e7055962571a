import Foundation
import Synchronization

/// One control-plane binary (or any test helper process: Prometheus, a fixture exporter), started under a small `bash` guard that owns it by PID: the guard reads its
/// stdin, a pipe whose write end only this process holds, and kills the binary when that pipe closes: on
/// ``stop()``, or by the kernel when the test process dies in any way (a crash, a hung suite killed by its time
/// limit). So no etcd or kube-apiserver outlives the tests that started it. Output goes to `logPath`, never to the
/// test's own stdout (a leftover writer would hold a CI pipe open).
public final class ChildProcess: @unchecked Sendable {
    public let name: String
    public let logPath: String
    private let process: Process
    private let guardInput: Pipe
    private let knownPID = Mutex<pid_t?>(nil)

    /// The guard: start the binary with its output in the log, wait for stdin to close, then TERM it (KILL after
    /// 10 s) and reap it. `$1` is the log path, the rest is the command line.
    private static let guardScript = """
        log="$1"; shift
        "$@" </dev/null >>"$log" 2>&1 &
        child=$!
        echo "pid $child" >>"$log"
        cat >/dev/null
        kill -TERM "$child" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$child" 2>/dev/null
        wait "$child" 2>/dev/null
        exit 0
        """

    public init(name: String, executable: String, arguments: [String], logPath: String) throws {
        self.name = name
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", Self.guardScript, "envtest-guard", logPath, executable] + arguments
        guardInput = Pipe()
        process.standardInput = guardInput
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Whether the guard (and so the binary, unless it exited on its own) is still running.
    public var isRunning: Bool { process.isRunning && !binaryExited }

    /// The binary exited on its own: its guard logged the PID and the process is gone or a zombie (the guard
    /// reaps it only at stop).
    private var binaryExited: Bool {
        guard let pid = childPID else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[close...].dropFirst(2).first == "Z"
    }

    /// The binary's PID, from the guard's first log line (read until found, then remembered: the log grows).
    var childPID: pid_t? {
        if let pid = knownPID.withLock({ $0 }) { return pid }
        guard let handle = FileHandle(forReadingAtPath: logPath) else { return nil }
        defer { try? handle.close() }
        let head = String(decoding: (try? handle.read(upToCount: 4096)) ?? Data(), as: UTF8.self)
        guard let line = head.split(separator: "\n").first(where: { $0.hasPrefix("pid ") }),
              let pid = pid_t(line.dropFirst(4)) else { return nil }
        knownPID.withLock { $0 = pid }
        return pid
    }

    /// The last lines of the binary's output, for error messages.
    public func logTail(_ lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Closes the guard's stdin and waits until the guard has reaped the binary.
    public func stop() async {
        try? guardInput.fileHandleForWriting.close()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.process.waitUntilExit()
                done.resume()
            }
        }
    }
}
