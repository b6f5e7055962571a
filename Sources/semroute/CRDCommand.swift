import ArgumentParser
import SemanticRouteAPI

struct CRDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crd",
        abstract: "Print the SemanticRoute CustomResourceDefinition (generated from the API types)."
    )

    func run() throws {
        print(SemanticRouteCRD.yaml, terminator: "")
    }
}
