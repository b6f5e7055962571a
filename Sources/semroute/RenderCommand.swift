import ArgumentParser
import KubeCore
import SemanticRouteAPI
import SemanticRouteRender

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render the Envoy AI Gateway, Envoy Gateway and classifier objects of SemanticRoutes, offline.",
        discussion: "Example: semroute render -f route.yaml | kubectl apply --server-side -f -"
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case yaml, json
    }

    @Option(name: .shortAndLong, help: "A file with one or more SemanticRoutes (YAML or JSON), or - for standard input.")
    var filename: String

    @Option(name: .shortAndLong, help: "Output format: yaml (multi-document) or json (a v1 List).")
    var output: Format = .yaml

    @Option(help: "The classifier image used when a route names none (pinned tag or digest).")
    var classifierImage: String = Renderer.Options.defaultClassifierImage

    @Option(help: "The Envoy AI Gateway release to render for, v1.1 or v1.2 (the operator detects it from the installed AIGatewayRoute CRD). v1.2 hides the per-decision model aliases from /v1/models.")
    var aiGatewayVersion: String = AIGatewayVersion.v1_1.rawValue

    func run() throws {
        let routes = try ValidateCommand.load(filename)
        if let why = ImageReference.unpinnedReason(classifierImage) {
            StandardError.write("--classifier-image: \"\(classifierImage)\" \(why)")
            throw ExitCode.validationFailure
        }
        guard let target = AIGatewayVersion(parsing: aiGatewayVersion) else {
            StandardError.write("--ai-gateway-version: \"\(aiGatewayVersion)\" is not a supported release (one of \(AIGatewayVersion.allCases.map(\.rawValue).joined(separator: ", ")))")
            throw ExitCode.validationFailure
        }
        let renderer = Renderer(options: .init(classifierImage: classifierImage, aiGateway: target))
        let unsupported = routes.flatMap { route in renderer.unsupported(route).map { (route, $0) } }
        if !unsupported.isEmpty {
            let source = filename == "-" ? "<stdin>" : filename
            for (route, error) in unsupported { StandardError.write("\(source): \(route.namespace)/\(route.name): \(error)") }
            StandardError.write("hint: --ai-gateway-version names the release to render for (now \(target))")
            throw ExitCode.failure
        }
        let objects = routes.flatMap { renderer.render($0) }.map(\.body)
        switch output {
        case .yaml: print(YAMLWriter.documents(objects), terminator: "")
        case .json: print(JSONWriter.string(["apiVersion": "v1", "kind": "List", "items": .array(objects)], pretty: true))
        }
    }
}
