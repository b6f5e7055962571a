import Foundation
import KubeCore
import KubeEnvtest
import SemanticRouteAPI
import SemanticRouteRender
import Testing

/// Rendering for AI Gateway v1.1 and v1.2: the aliases only the classifier writes are hidden from `/v1/models` on
/// v1.2 (`excludeFromModelsEndpoint`), never rendered for v1.1; the release is read from the installed CRD.
@Suite("AI Gateway release targets", .timeLimit(.minutes(5)))
struct AIGatewayVersionTests {
    func rules(_ sample: String, _ version: AIGatewayVersion) throws -> [JSONValue] {
        let route = try #require(try Fixtures.render(sample, aiGateway: version).first { $0.kind == "AIGatewayRoute" })
        return route[path: "spec", "rules"]?.arrayValue ?? []
    }

    func models(_ rule: JSONValue) -> [String] {
        (rule["matches"]?.arrayValue ?? []).compactMap { $0["headers"]?.arrayValue?.first?["value"]?.stringValue }
    }

    @Test("v1.1 renders no excludeFromModelsEndpoint: the default rule holds the default alias, the model and its aliases")
    func v11() throws {
        let rules = try rules("mom.yaml", .v1_1)
        #expect(!rules.contains { $0["excludeFromModelsEndpoint"] != nil })
        #expect(rules.map { $0["name"]?.stringValue } == ["math", "default"])
        let route = try #require(try Fixtures.routes("mom.yaml").first)
        #expect(models(rules[1]) == ["mom.default", route.spec.model] + (route.spec.aliases ?? []))
    }

    @Test("v1.2 hides every decision alias and the default alias; the virtual model and its aliases stay listed")
    func v12() throws {
        let rules = try rules("canary.yaml", .v1_2)
        let route = try #require(try Fixtures.routes("canary.yaml").first)
        let decisions = (route.spec.decisions ?? []).count
        #expect(rules.count == decisions + 2)
        for rule in rules.prefix(decisions) {
            #expect(rule["excludeFromModelsEndpoint"] == true, "\(rule["name"] ?? "?")")
            #expect(models(rule).allSatisfy { $0.hasPrefix("\(route.name).") })
        }
        let listed = rules[decisions], hidden = rules[decisions + 1]
        #expect(listed["name"] == "default")
        #expect(listed["excludeFromModelsEndpoint"] == nil)
        #expect(models(listed) == [route.spec.model] + (route.spec.aliases ?? []))
        #expect(hidden["name"] == "default.alias")
        #expect(hidden["excludeFromModelsEndpoint"] == true)
        #expect(models(hidden) == ["\(route.name).default"])
        #expect(hidden["backendRefs"] == listed["backendRefs"], "both default rules send to the default targets")
    }

    @Test("with 14 decisions there is no room for a 16th rule: the default alias shares the listed default rule")
    func fullRoute() throws {
        let rules = try rules("max-decisions.yaml", .v1_2)
        #expect(rules.count == 15)
        #expect(rules.prefix(14).allSatisfy { $0["excludeFromModelsEndpoint"] == true })
        #expect(rules[14]["name"] == "default")
        #expect(rules[14]["excludeFromModelsEndpoint"] == nil)
    }

    @Test("release names parse with or without v and with a patch number; others are refused")
    func parsing() {
        #expect(AIGatewayVersion(parsing: "v1.2") == .v1_2)
        #expect(AIGatewayVersion(parsing: "1.2") == .v1_2)
        #expect(AIGatewayVersion(parsing: "v1.2.3") == .v1_2)
        #expect(AIGatewayVersion(parsing: "1.1.0") == .v1_1)
        for bad in ["", "v1", "1.3", "v1.2.x", "latest", "1..2"] { #expect(AIGatewayVersion(parsing: bad) == nil, "\(bad)") }
    }

    @Test("the release is read from the installed AIGatewayRoute CRD (the shipped v1.1.0 and v1.2.0 files)",
          .enabled(if: UpstreamCRDs.available(.v1_1) && UpstreamCRDs.available(.v1_2), Comment(rawValue: UpstreamCRDs.missingReason(.v1_2))))
    func detection() throws {
        for (directory, want) in [(Fixtures.upstreamDirectory, AIGatewayVersion.v1_1), (Fixtures.upstreamV12Directory, .v1_2)] {
            let text = try String(contentsOf: directory.appendingPathComponent("aigateway.envoyproxy.io_aigatewayroutes.yaml"), encoding: .utf8)
            #expect(AIGatewayVersion.detect(aiGatewayRouteCRD: try YAMLReader.document(text)) == want, "\(directory.path)")
        }
        #expect(AIGatewayVersion.detect(aiGatewayRouteCRD: ["spec": ["versions": []]]) == .v1_1, "no served version: the safe default")
    }

    @Test("the renderer refuses exactly the samples written down as newer than v1.1, for v1.1 only, naming the field")
    func refusals() throws {
        for sample in Fixtures.samples {
            for route in try Fixtures.routes(sample) {
                for version in AIGatewayVersion.allCases {
                    let errors = Renderer(options: .init(aiGateway: version)).unsupported(route)
                    #expect(errors.isEmpty == (version >= Fixtures.minimumRelease(sample)), "\(sample) for \(version): \(errors.lines)")
                }
            }
        }
        let route = try #require(try Fixtures.routes("providers/aws-openai.yaml").first)
        let errors = Renderer(options: .init(aiGateway: .v1_1)).unsupported(route)
        #expect(errors.lines == route.spec.backends.indices.map {
            "spec.backends[\($0)].provider: Unsupported value: \"AWSOpenAI\": the AWSOpenAI schema needs Envoy AI Gateway v1.2 or later, and the target release is v1.1"
        })
    }

    @Test("a schema override naming AWSOpenAI is refused for v1.1 at the override's field, and renders for v1.2")
    func overrideRefused() throws {
        let route = Fixtures.route { spec in
            spec.backends[1] = Backend(name: "bedrock", model: "openai.gpt-oss-20b-1:0", provider: .awsBedrock,
                                       schema: APISchema(name: .awsOpenAI), region: "us-west-2",
                                       auth: BackendAuth(awsCredentials: .init(region: "us-west-2")))
            spec.defaultTargets = [Target(backend: "bedrock")]
        }
        #expect(SemanticRouteValidator.validate(route).isEmpty)
        #expect(Renderer(options: .init(aiGateway: .v1_1)).unsupported(route).map(\.path.description) == ["spec.backends[1].schema.name"])
        #expect(Renderer(options: .init(aiGateway: .v1_2)).unsupported(route).isEmpty)
        let backend = try #require(Renderer(options: .init(aiGateway: .v1_2)).render(route).first { $0.kind == "AIServiceBackend" && $0.name == "mom-bedrock" })
        #expect(backend[path: "spec", "schema"] == ["name": "AWSOpenAI"])
    }

    @Test("each schema's first release is the first whose AIServiceBackend CRD lists it (the shipped v1.1.0 and v1.2.0 files)",
          .enabled(if: UpstreamCRDs.available(.v1_1) && UpstreamCRDs.available(.v1_2), Comment(rawValue: UpstreamCRDs.missingReason(.v1_2))))
    func schemaReleases() throws {
        func listed(_ directory: URL) throws -> Set<String> {
            let text = try String(contentsOf: directory.appendingPathComponent("aigateway.envoyproxy.io_aiservicebackends.yaml"), encoding: .utf8)
            let versions = try YAMLReader.document(text)[path: "spec", "versions"]?.arrayValue ?? []
            let enums = versions.map { version in
                Set((version[path: "schema", "openAPIV3Schema", "properties", "spec", "properties", "schema", "properties", "name", "enum"]?
                    .arrayValue ?? []).compactMap(\.stringValue))
            }
            #expect(!enums.isEmpty && enums.allSatisfy { $0 == enums[0] }, "\(directory.path): the versions disagree")
            return enums.first ?? []
        }
        let byRelease: [(AIGatewayVersion, Set<String>)] = [(.v1_1, try listed(Fixtures.upstreamDirectory)), (.v1_2, try listed(Fixtures.upstreamV12Directory))]
        for name in APISchema.Name.allCases {
            let first = byRelease.first { $0.1.contains(name.rawValue) }?.0
            #expect(AIGatewayVersion.introducing(name) == first, "\(name.rawValue)")
        }
    }

    @Test("every sample, rendered for each release it supports, passes the v1.2 upstream schemas",
          .enabled(if: UpstreamCRDs.available(.v1_2), Comment(rawValue: UpstreamCRDs.missingReason(.v1_2))), arguments: Fixtures.samples)
    func samplesOnV12(sample: String) throws {
        let crds = try #require(Fixtures.upstreamV12, "could not load \(Fixtures.upstreamV12Directory.path)")
        for version in AIGatewayVersion.allCases where version >= Fixtures.minimumRelease(sample) {
            for object in try Fixtures.render(sample, aiGateway: version) where UpstreamSchemaTests.gatewayKinds.contains(object.kind) {
                let errors = crds.validate(object.body)
                #expect(errors.isEmpty, "\(sample) for \(version): \(object.kind)/\(object.name): \(errors.lines.joined(separator: "; "))")
            }
        }
    }
}
