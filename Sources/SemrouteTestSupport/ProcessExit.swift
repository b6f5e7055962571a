import Foundation

/// Starts `process`, runs `afterStart` (e.g. writing its stdin), and suspends until the process has exited. It
/// neither blocks nor spins a thread: Foundation's `waitUntilExit()` on Linux polls a run loop at 100% CPU for as
/// long as the process runs, which with a few kubectl processes at once starves a parallel test run.
public func runToExit(_ process: Process, afterStart: () throws -> Void = {}) async throws {
    let exited = Gate()
    process.terminationHandler = { _ in exited.open() }
    try process.run()
    try afterStart()
    await exited.wait()
    // Already exited: this returns at once and makes terminationStatus safe to read.
    process.waitUntilExit()
}
