import ArgumentParser

/// `semroute operator`: the SemanticRoute controller. Owned by issue 4.
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Run the SemanticRoute operator against a Kubernetes API server."
    )

    func run() async throws {
        throw ValidationError("operator: not built yet")
    }
}
