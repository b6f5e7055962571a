import ArgumentParser

@main
struct SemrouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "semroute",
        abstract: "Semantic routing for Envoy AI Gateway: one SemanticRoute in, every gateway object out.",
        version: SemrouteVersion.current,
        subcommands: [
            RenderCommand.self, ValidateCommand.self, CRDCommand.self, DocsCommand.self,
            OperatorCommand.self, ClassifierCommand.self, APIServerCommand.self, DevCommand.self,
        ]
    )
}

enum SemrouteVersion {
    static let current = "0.1.0"
}
