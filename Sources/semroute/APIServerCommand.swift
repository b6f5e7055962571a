import ArgumentParser

/// `semroute apiserver`: runs the local API server (KubeLocal) standalone. Owned by issue 3.
struct APIServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apiserver",
        abstract: "Run the local Kubernetes API server (in memory; for tests and `semroute dev`)."
    )

    func run() async throws {
        throw ValidationError("apiserver: not built yet")
    }
}
