import ArgumentParser

/// `semroute classifier`: the ext_proc data plane. Owned by issue 5.
struct ClassifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier",
        abstract: "Serve the classifier: Envoy ext_proc (gRPC), the classify HTTP API and metrics."
    )

    func run() async throws {
        throw ValidationError("classifier: not built yet")
    }
}
