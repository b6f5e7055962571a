import ArgumentParser
import Foundation
import KubeCore
import SemanticRouteAPI

struct DocsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs",
        abstract: "Print generated documentation: `semroute docs api` prints docs/api.md."
    )

    enum Topic: String, ExpressibleByArgument { case api }

    @Argument(help: "What to print: api.")
    var topic: Topic

    @Option(help: "The folder of sample routes whose values become the examples.")
    var samples: String = "manifests/samples"

    func run() throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: samples))?.filter { $0.hasSuffix(".yaml") }.sorted() ?? []
        // mom.yaml first: it is the DESIGN example and covers most fields.
        let ordered = files.filter { $0 == "mom.yaml" } + files.filter { $0 != "mom.yaml" }
        let examples = ordered.flatMap { name -> [JSONValue] in
            guard let text = try? String(contentsOfFile: "\(samples)/\(name)", encoding: .utf8) else { return [] }
            return (try? YAMLReader.documents(text)) ?? []
        }
        print(APIReference.markdown(examples: examples), terminator: "")
    }
}
