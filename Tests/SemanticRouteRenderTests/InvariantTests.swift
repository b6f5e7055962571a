import ClassifierConfig
import KubeCore
import SemanticRouteAPI
import SemanticRouteRender
import Testing

@Suite("Render invariants", .timeLimit(.minutes(3)))
struct InvariantTests {
    @Test("rendering twice gives byte-identical output", arguments: Fixtures.samples)
    func deterministic(sample: String) throws {
        let a = YAMLWriter.documents(try Fixtures.render(sample).map(\.body))
        let b = YAMLWriter.documents(try Fixtures.render(sample).map(\.body))
        #expect(a == b)
        // And the output reads back to the same objects.
        #expect(try YAMLReader.documents(a) == (try Fixtures.render(sample).map(\.body)))
    }

    @Test("every object carries the managed-by and route labels; the shared ClientTrafficPolicy is route-neutral",
          arguments: Fixtures.samples)
    func labels(sample: String) throws {
        for route in try Fixtures.routes(sample) {
            for object in Renderer().render(Fixtures.stored(route)) {
                let labels = object[path: "metadata", "labels"]
                #expect(labels?["app.kubernetes.io/managed-by"] == "semroute", "\(object.kind)/\(object.name)")
                if object.kind == "ClientTrafficPolicy" {
                    // Every route on the Gateway renders the identical object, so none takes it from another.
                    #expect(labels?["semroute.io/route"] == nil, "\(object.kind)/\(object.name)")
                    #expect(object.body[path: "metadata", "ownerReferences"] == nil)
                } else {
                    #expect(labels?["semroute.io/route"]?.stringValue == "\(route.namespace).\(route.name)", "\(object.kind)/\(object.name)")
                }
            }
        }
    }

    @Test("objects in the route's namespace are owned by it; cross-namespace ones are not")
    func ownerReferences() throws {
        let objects = Renderer().render(Fixtures.route())
        for object in objects {
            let owners = object[path: "metadata", "ownerReferences"]?.arrayValue ?? []
            if object.namespace == "llm" && object.kind != "ClientTrafficPolicy" {
                #expect(owners.count == 1, "\(object.kind)")
                #expect(owners.first?["kind"] == "SemanticRoute" && owners.first?["controller"] == true)
            } else {
                #expect(owners.isEmpty, "\(object.kind) in \(object.namespace) must be cleaned up by the finalizer")
                #expect(["EnvoyPatchPolicy", "ClientTrafficPolicy"].contains(object.kind))
            }
        }
    }

    @Test("offline render (no uid) emits no owner references")
    func offlineNoOwner() throws {
        var route = Fixtures.route()
        route.metadata.uid = nil
        #expect(Renderer().render(route).allSatisfy { $0[path: "metadata", "ownerReferences"] == nil })
    }

    @Test("long route and backend names are shortened to valid, distinct DNS labels with a stable hash")
    func longNames() throws {
        let long = String(repeating: "very-long-route-name-", count: 5) + "x"
        let a = Renderer().render(Fixtures.route(name: long + "a", namespace: "a-namespace-that-is-also-quite-long-for-labels-ok"))
        let b = Renderer().render(Fixtures.route(name: long + "b", namespace: "a-namespace-that-is-also-quite-long-for-labels-ok"))
        for object in a + b {
            #expect(object.name.utf8.count <= 63 && DNSName.isLabel(object.name), "\(object.kind) \(object.name)")
            let routeLabel = object[path: "metadata", "labels", "semroute.io/route"]?.stringValue ?? ""
            #expect(routeLabel.utf8.count <= 63)
        }
        // The ClientTrafficPolicy is per Gateway and shared on purpose; everything else is per route.
        let perRoute = { (objects: [DesiredObject]) in Set(objects.filter { $0.kind != "ClientTrafficPolicy" }.map(\.name)) }
        #expect(perRoute(a).isDisjoint(with: perRoute(b)), "names of two long routes collide")
        #expect(a.map(\.name) == Renderer().render(Fixtures.route(name: long + "a", namespace: "a-namespace-that-is-also-quite-long-for-labels-ok")).map(\.name))
    }

    @Test("no Secret is rendered and Secrets are only referenced by name", arguments: Fixtures.samples)
    func secretsReferencedOnly(sample: String) throws {
        let objects = try Fixtures.render(sample)
        #expect(!objects.contains { $0.kind == "Secret" })
        let secretNames = try Fixtures.routes(sample).flatMap { $0.spec.backends.compactMap { $0.auth?.secretReference?.ref.name } }
        for object in objects where object.kind == "BackendSecurityPolicy" {
            let text = JSONWriter.string(object.body)
            #expect(!text.contains("\"data\"") && !text.contains("stringData"))
        }
        // The classifier's config never learns about Secrets at all.
        for config in objects where config.kind == "ConfigMap" {
            let text = config[path: "data", "config.json"]?.stringValue ?? ""
            for name in secretNames { #expect(!text.contains("\"\(name)\""), "ConfigMap mentions Secret \(name)") }
        }
    }

    @Test("with autoscaling the Deployment leaves replicas to the HPA")
    func autoscalingLeavesReplicas() throws {
        let route = Fixtures.route { $0.classifier = ClassifierSpec(replicas: 3, autoscaling: .init(minReplicas: 2, maxReplicas: 6)) }
        let objects = Renderer().render(route)
        let deployment = try #require(objects.first { $0.kind == "Deployment" })
        #expect(deployment[path: "spec", "replicas"] == nil)
        let hpa = try #require(objects.first { $0.kind == "HorizontalPodAutoscaler" })
        #expect(hpa[path: "spec", "minReplicas"] == 2 && hpa[path: "spec", "maxReplicas"] == 6)
        #expect(hpa[path: "spec", "scaleTargetRef", "name"]?.stringValue == deployment.name)
        #expect(objects.contains { $0.kind == "PodDisruptionBudget" })
    }

    @Test("an explicit encoderPrecision reaches the classifier's arguments; unset leaves the classifier's default (auto: int8 with AVX2)")
    func encoderPrecision() throws {
        func args(_ precision: ClassifierSpec.EncoderPrecision?) throws -> [String] {
            let objects = Renderer().render(Fixtures.route { $0.classifier = ClassifierSpec(encoderPrecision: precision) })
            let deployment = try #require(objects.first { $0.kind == "Deployment" })
            let container = try #require(deployment[path: "spec", "template", "spec", "containers"]?.arrayValue?.first)
            return container[path: "args"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        let plain = try args(nil)
        #expect(plain.first == "classifier" && !plain.contains("--encoder-precision"))
        #expect(try args(.float32) == plain + ["--encoder-precision", "float32"])
        #expect(try args(.int8) == plain + ["--encoder-precision", "int8"])
    }

    @Test("replicas go to the Deployment; one replica gets no PDB and no HPA")
    func fixedReplicas() throws {
        let one = Renderer().render(Fixtures.route())
        #expect(one.first { $0.kind == "Deployment" }?[path: "spec", "replicas"] == 1)
        #expect(!one.contains { $0.kind == "PodDisruptionBudget" || $0.kind == "HorizontalPodAutoscaler" })
        let three = Renderer().render(Fixtures.route { $0.classifier = ClassifierSpec(replicas: 3) })
        #expect(three.first { $0.kind == "Deployment" }?[path: "spec", "replicas"] == 3)
        #expect(three.contains { $0.kind == "PodDisruptionBudget" })
    }

    @Test("a config change changes the config hash but not the pod template (hot reload, no rollout)")
    func configHash() throws {
        let a = Renderer().render(Fixtures.route())
        let b = Renderer().render(Fixtures.route { $0.decisions![0].when = DecisionCondition(keywords: .init(any: ["derivative"])) })
        let da = try #require(a.first { $0.kind == "Deployment" }), db = try #require(b.first { $0.kind == "Deployment" })
        #expect(da[path: "metadata", "annotations", "semroute.io/config-hash"] != db[path: "metadata", "annotations", "semroute.io/config-hash"])
        #expect(da[path: "spec", "template"] == db[path: "spec", "template"])
    }

    @Test("the ConfigMap holds a ClassifierConfig that decodes and lists decisions by priority")
    func classifierConfig() throws {
        let route = Fixtures.route {
            $0.decisions = [
                Decision(name: "low", priority: 1, when: DecisionCondition(keywords: .init(any: ["a"])), targets: [Target(backend: "local")]),
                Decision(name: "high", priority: 9, when: DecisionCondition(domains: ["math"]), targets: [Target(backend: "local")]),
            ]
            $0.aliases = ["auto"]
        }
        let map = try #require(Renderer().render(route).first { $0.kind == "ConfigMap" })
        let text = try #require(map[path: "data", "config.json"]?.stringValue)
        let config = try JSONParser.parse(text).decode(ClassifierConfig.self)
        #expect(config.version == ClassifierConfig.currentVersion)
        #expect(config.decisions.map(\.alias) == ["mom.high", "mom.low"])
        #expect(config.models == ["MoM", "auto"] && config.defaultAlias == "mom.default" && config.route == "llm/mom")
    }

    @Test("the jailbreak detector reaches the classifier config: Trained as written, Patterns or unset as the default")
    func jailbreakDetector() throws {
        func detector(_ d: SafetyPolicy.Jailbreak.Detector?) throws -> String? {
            let route = Fixtures.route { $0.safety = SafetyPolicy(jailbreak: .init(action: .block, detector: d)) }
            let map = try #require(Renderer().render(route).first { $0.kind == "ConfigMap" })
            let config = try JSONParser.parse(try #require(map[path: "data", "config.json"]?.stringValue)).decode(ClassifierConfig.self)
            return config.safety?.jailbreakDetector
        }
        #expect(try detector(.trained) == "Trained")
        #expect(try detector(.patterns) == nil && detector(nil) == nil)
    }

    @Test("the default rule also matches the virtual model, so fail-open traffic reaches the default targets")
    func defaultRuleTakesVirtualModel() throws {
        let route = try #require(Renderer().render(Fixtures.route()).first { $0.kind == "AIGatewayRoute" })
        let last = try #require(route[path: "spec", "rules"]?.arrayValue?.last)
        let values = (last["matches"]?.arrayValue ?? []).compactMap { $0["headers"]?.arrayValue?.first?["value"]?.stringValue }
        #expect(last["name"] == "default" && values == ["mom.default", "MoM"])
    }

    @Test("the ext_proc patch targets the Gateway listener and the classifier Service, fail-open by default")
    func patchPolicy() throws {
        let epp = try #require(Renderer().render(Fixtures.route()).first { $0.kind == "EnvoyPatchPolicy" })
        #expect(epp.namespace == "envoy-gateway-system" && epp.name == "semroute-llm-mom")
        let patches = try #require(epp[path: "spec", "jsonPatches"]?.arrayValue)
        #expect(patches[0]["name"] == "envoy-gateway-system/ai-gateway/http")
        #expect(patches[0]["operation"]?["path"] == "/default_filter_chain/filters/0/typed_config/http_filters/0")
        #expect(patches[0]["operation"]?["value"]?["typed_config"]?["failure_mode_allow"] == true)
        #expect(patches[0]["operation"]?["value"]?["disabled"] == true, "off on the listener, enabled per route")
        let routes = try #require(patches.first { $0["type"] == "type.googleapis.com/envoy.config.route.v3.RouteConfiguration" })
        #expect(routes["operation"]?["path"] == "typed_per_filter_config/semroute-llm-mom")
        let cluster = try #require(patches.first { $0["type"] == "type.googleapis.com/envoy.config.cluster.v3.Cluster" })
        let address = cluster["operation"]?["value"]?["load_assignment"]?["endpoints"]?.arrayValue?.first?["lb_endpoints"]?
            .arrayValue?.first?["endpoint"]?["address"]?["socket_address"]
        #expect(address?["address"] == "mom-classifier.llm.svc.cluster.local" && address?["port_value"] == 50051)
    }

    @Test("retry triggers render into the BackendTrafficPolicy, and the deprecated on renders byte for byte the same")
    func retryTriggers() throws {
        let triggers = Fixtures.route { $0.retry = RetryPolicy(triggers: ["5xx", "reset"]) }
        let alias = Fixtures.route { $0.retry = RetryPolicy(on: ["5xx", "reset"]) }
        let policy = { (route: SemanticRoute) -> DesiredObject? in Renderer().render(route).first { $0.kind == "BackendTrafficPolicy" } }
        let rendered = try #require(policy(triggers))
        #expect(rendered[path: "spec", "retry", "retryOn"] == ["triggers": ["5xx", "reset"]])
        #expect(policy(alias)?.body == rendered.body)
        let defaults = try #require(policy(Fixtures.route { $0.retry = RetryPolicy(attempts: 1) }))
        #expect(defaults[path: "spec", "retry", "retryOn"] == ["triggers": ["connect-failure", "reset", "retriable-status-codes"],
                                                                "httpStatusCodes": [429, 503]])
    }

    @Test("protobuf durations are written in seconds", arguments: [("1s", "1s"), ("500ms", "0.5s"), ("1m30s", "90s"), ("1250ms", "1.25s")])
    func protoDurations(input: String, expected: String) {
        let epp = Renderer().render(Fixtures.route { $0.classifier = ClassifierSpec(timeout: GoDuration(input)) }).first { $0.kind == "EnvoyPatchPolicy" }
        let patches = epp?[path: "spec", "jsonPatches"]?.arrayValue
        #expect(patches?[0]["operation"]?["value"]?["typed_config"]?["message_timeout"]?.stringValue == expected)
    }

    @Test("hosted presets get their default endpoint with TLS and SNI; services are plain HTTP")
    func endpoints() throws {
        let objects = Renderer().render(Fixtures.route())
        let openai = try #require(objects.first { $0.kind == "Backend" && $0.name == "mom-openai" })
        #expect(openai[path: "spec", "endpoints"]?.arrayValue?.first?["fqdn"] == ["hostname": "api.openai.com", "port": 443])
        #expect(openai[path: "spec", "tls"] == ["wellKnownCACertificates": "System", "sni": "api.openai.com"])
        let local = try #require(objects.first { $0.kind == "Backend" && $0.name == "mom-local" })
        #expect(local[path: "spec", "endpoints"]?.arrayValue?.first?["fqdn"] == ["hostname": "vllm.llm.svc.cluster.local", "port": 8000])
        #expect(local[path: "spec", "tls"] == nil)
    }

    @Test("every preset's AIServiceBackend schema and default host match the provider table",
          arguments: ProviderPreset.allCases)
    func presets(preset: ProviderPreset) throws {
        let schema = preset.schema
        let expected: [ProviderPreset: (String, String?, String?)] = [
            .openAI: ("OpenAI", "/v1", nil), .awsBedrock: ("AWSBedrock", nil, nil), .awsAnthropic: ("AWSAnthropic", nil, "bedrock-2023-05-31"),
            .awsOpenAI: ("AWSOpenAI", nil, nil),
            .azureOpenAI: ("AzureOpenAI", nil, "2025-01-01-preview"), .gemini: ("OpenAI", "/v1beta/openai", nil),
            .gcpVertexAI: ("GCPVertexAI", nil, nil), .gcpAnthropic: ("GCPAnthropic", nil, "vertex-2023-10-16"),
            .groq: ("OpenAI", "/openai/v1", nil), .grok: ("OpenAI", "/v1", nil), .togetherAI: ("OpenAI", "/v1", nil),
            .cohere: ("Cohere", nil, "v2"), .mistral: ("OpenAI", "/v1", nil), .deepInfra: ("OpenAI", "/v1/openai", nil),
            .deepSeek: ("OpenAI", "/v1", nil), .hunyuan: ("OpenAI", "/v1", nil), .tencentLKE: ("OpenAI", "/v1", nil),
            .tars: ("OpenAI", "/v1", nil), .sambaNova: ("OpenAI", "/v1", nil), .anthropic: ("Anthropic", nil, nil),
            .selfHosted: ("OpenAI", "/v1", nil),
        ]
        let row = try #require(expected[preset])
        #expect(schema.name.rawValue == row.0 && schema.prefix == row.1 && schema.version == row.2)
        if let endpoint = preset.defaultEndpoint {
            #expect(URLParts(endpoint.replacingOccurrences(of: "REGION", with: "us-east-1"))?.tls == true)
        } else {
            #expect([.azureOpenAI, .selfHosted].contains(preset))
        }
    }
}

@Suite("Classifier resources", .timeLimit(.minutes(3)))
struct ClassifierResourcesTests {
    private func containerResources(_ objects: [DesiredObject]) -> JSONValue? {
        let deployment = objects.first { $0.kind == "Deployment" }
        guard case .array(let containers)? = deployment?.body[path: "spec", "template", "spec", "containers"] else { return nil }
        return containers.first?[path: "resources"]
    }

    @Test("the operator's default classifier resources apply where a route sets none, and a route's own win per field")
    func operatorDefaults() throws {
        let route = try Fixtures.routes("mom.yaml")[0]
        let defaults = ClassifierSpec.Resources(requests: ["cpu": .string("250m")], limits: ["memory": .string("1Gi")])
        var bare = route
        bare.spec.classifier?.resources = nil
        let rendered = Renderer(options: .init(classifierResources: defaults)).render(Fixtures.stored(bare))
        #expect(containerResources(rendered) == ["requests": ["cpu": "250m"], "limits": ["memory": "1Gi"]])

        var own = route
        own.spec.classifier = ClassifierSpec(resources: .init(requests: ["cpu": .string("1")]))
        let overridden = Renderer(options: .init(classifierResources: defaults)).render(Fixtures.stored(own))
        #expect(containerResources(overridden) == ["requests": ["cpu": "1"], "limits": ["memory": "1Gi"]])
    }
}
