import ArgumentParser
import KubeCore
import SemanticRouteAPI

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check SemanticRoutes offline: exit 0 when valid, else exit 1 with one line per problem: the file, the field path, the reason."
    )

    @Option(name: .shortAndLong, help: "A file with one or more SemanticRoutes (YAML or JSON), or - for standard input.")
    var filename: String

    func run() throws {
        let routes = try Self.load(filename)
        let names = routes.map { "\($0.namespace)/\($0.name)" }.joined(separator: ", ")
        print("\(filename): valid (\(names))")
    }

    /// Reads and strictly decodes every route in the file; on any problem prints each to stderr and exits 1.
    static func load(_ filename: String) throws -> [SemanticRoute] {
        let text: String
        do {
            text = try InputFile.read(filename)
        } catch {
            StandardError.write("error: \(error)")
            throw ExitCode.failure
        }
        switch SemanticRouteDecoder.decodeAll(yaml: text) {
        case .success(let routes):
            return routes
        case .failure(let failure):
            let source = filename == "-" ? "<stdin>" : filename
            if let syntax = failure.syntax {
                // Not YAML: `file:line:column: invalid YAML: problem`, as compilers print a position.
                StandardError.write(syntax.located(in: source))
            } else {
                for line in failure.errors.lines { StandardError.write("\(source): \(line)") }
            }
            throw ExitCode.failure
        }
    }
}
