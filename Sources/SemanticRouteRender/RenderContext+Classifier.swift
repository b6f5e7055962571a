import ClassifierConfig
import KubeCore
import SemanticRouteAPI

/// The classifier: its config (ConfigMap), Deployment, Service, and optionally HPA and PDB.
extension RenderContext {
    static let configFile = "config.json"
    static let configDirectory = "/etc/semroute"

    func classifierObjects() -> [DesiredObject] {
        let config = classifierConfig()
        let configJSON = (try? JSONValue.encode(config)).map { JSONWriter.string($0, pretty: true) + "\n" } ?? "{}\n"
        let hash = StableHash.hex64(configJSON)
        var out = [configMap(configJSON, hash: hash), deployment(configHash: hash), service()]
        if let hpa = horizontalPodAutoscaler() { out.append(hpa) }
        if let pdb = podDisruptionBudget() { out.append(pdb) }
        return out
    }

    var classifierLabels: [(String, JSONValue)] {
        names.classifierSelector + [(RouteLabels.componentKey, "classifier")]
    }

    func configMap(_ json: String, hash: String) -> DesiredObject {
        object(.configMaps, name: names.classifier, labels: classifierLabels,
               annotations: [(RouteLabels.configHashKey, .string(hash))],
               spec: [Self.configFile: .string(json)], specKey: "data")
    }

    /// Config changes are hot-reloaded by the classifier (it watches the mounted file), so the hash is
    /// on the Deployment's metadata for humans and tools, not in the pod template: no rollout, no cold start.
    func deployment(configHash: String) -> DesiredObject {
        let c = spec.classifier ?? ClassifierSpec()
        var container = JSONObject([
            ("name", "classifier"),
            ("image", .string(c.image ?? options.classifierImage)),
            ("args", .array(["classifier", "--config", .string("\(Self.configDirectory)/\(Self.configFile)")]
                            + (c.encoderPrecision.map { ["--encoder-precision", .string($0.rawValue)] } ?? []))),
            ("ports", [
                ["name": "grpc", "containerPort": JSONValue(ClassifierPorts.grpc), "protocol": "TCP"],
                ["name": "http", "containerPort": JSONValue(ClassifierPorts.http), "protocol": "TCP"],
                ["name": "metrics", "containerPort": JSONValue(ClassifierPorts.metrics), "protocol": "TCP"],
            ]),
            ("readinessProbe", ["httpGet": ["path": "/readyz", "port": "http"], "periodSeconds": 5]),
            ("livenessProbe", ["httpGet": ["path": "/healthz", "port": "http"], "periodSeconds": 10, "failureThreshold": 3]),
            ("startupProbe", ["httpGet": ["path": "/healthz", "port": "http"], "periodSeconds": 2, "failureThreshold": 60]),
        ])
        var resources = JSONObject()
        // Per field: the route's own requests/limits, else the operator's defaults (`--classifier-resources`).
        if let requests = c.resources?.requests ?? options.classifierResources.requests {
            resources["requests"] = .object(JSONObject(requests.keys.sorted().map { ($0, requests[$0]!.json) }))
        }
        if let limits = c.resources?.limits ?? options.classifierResources.limits {
            resources["limits"] = .object(JSONObject(limits.keys.sorted().map { ($0, limits[$0]!.json) }))
        }
        container["resources"] = .object(resources)
        container["securityContext"] = [
            "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true,
            "capabilities": ["drop": ["ALL"]],
        ]
        if let env = tracingEnvironment() { container["env"] = env }
        container["volumeMounts"] = [
            ["name": "config", "mountPath": .string(Self.configDirectory), "readOnly": true],
            ["name": "tmp", "mountPath": "/tmp"],
        ]
        let podSpec: JSONValue = [
            "automountServiceAccountToken": false,
            "securityContext": [
                "runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532, "fsGroup": 65532,
                "seccompProfile": ["type": "RuntimeDefault"],
            ],
            "containers": [.object(container)],
            "volumes": [
                ["name": "config", "configMap": ["name": .string(names.classifier)]],
                ["name": "tmp", "emptyDir": [:]],
            ],
        ]
        var deploymentSpec = JSONObject()
        // With autoscaling the HPA owns the replica count: leaving the field out of our apply means
        // server-side apply never takes it back.
        if c.autoscaling == nil { deploymentSpec["replicas"] = JSONValue(c.replicas ?? 1) }
        deploymentSpec["selector"] = ["matchLabels": .object(JSONObject(names.classifierSelector))]
        deploymentSpec["template"] = [
            "metadata": ["labels": .object(JSONObject(names.commonLabels() + classifierLabels))],
            "spec": podSpec,
        ]
        return object(.deployments, name: names.classifier, labels: classifierLabels,
                      annotations: [(RouteLabels.configHashKey, .string(configHash))], spec: .object(deploymentSpec))
    }

    func service() -> DesiredObject {
        object(.services, name: names.classifier, labels: classifierLabels, spec: [
            "selector": .object(JSONObject(names.classifierSelector)),
            "ports": [
                ["name": "grpc", "port": JSONValue(ClassifierPorts.grpc), "targetPort": "grpc", "protocol": "TCP", "appProtocol": "kubernetes.io/h2c"],
                ["name": "http", "port": JSONValue(ClassifierPorts.http), "targetPort": "http", "protocol": "TCP"],
                ["name": "metrics", "port": JSONValue(ClassifierPorts.metrics), "targetPort": "metrics", "protocol": "TCP"],
            ],
        ])
    }

    func horizontalPodAutoscaler() -> DesiredObject? {
        guard let a = spec.classifier?.autoscaling else { return nil }
        return object(.horizontalPodAutoscalers, name: names.classifier, labels: classifierLabels, spec: [
            "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": .string(names.classifier)],
            "minReplicas": JSONValue(a.effectiveMinReplicas),
            "maxReplicas": JSONValue(a.maxReplicas),
            "metrics": [[
                "type": "Resource",
                "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": JSONValue(a.targetCPUUtilizationPercentage ?? 70)]],
            ]],
        ])
    }

    /// With two or more pods, keep all but one up during voluntary disruptions.
    func podDisruptionBudget() -> DesiredObject? {
        let c = spec.classifier ?? ClassifierSpec()
        let floor = c.autoscaling?.effectiveMinReplicas ?? c.replicas ?? 1
        guard floor >= 2 else { return nil }
        return object(.podDisruptionBudgets, name: names.classifier, labels: classifierLabels, spec: [
            "maxUnavailable": 1,
            "selector": ["matchLabels": .object(JSONObject(names.classifierSelector))],
        ])
    }

    // MARK: - The classifier's configuration

    func classifierConfig() -> ClassifierConfig {
        let rules = orderedDecisions.map { d in
            ClassifierConfig.DecisionRule(
                name: d.name, alias: names.alias(d.name), priority: d.priority ?? 0, when: condition(d.when),
                reasoningEffort: (d.reasoning?.enabled ?? false) ? (d.reasoning?.effort ?? .medium).rawValue : nil,
                systemPrompt: d.systemPrompt)
        }
        var safety: ClassifierConfig.Safety?
        if let s = spec.safety {
            safety = ClassifierConfig.Safety(
                piiAction: s.pii?.action.rawValue, piiEntities: (s.pii?.entities ?? []).map(\.rawValue),
                jailbreakAction: s.jailbreak?.action.rawValue, jailbreakThreshold: s.jailbreak?.threshold ?? 0.8,
                jailbreakDetector: s.jailbreak?.detector == .trained ? SafetyPolicy.Jailbreak.Detector.trained.rawValue : nil)
        }
        var cache: ClassifierConfig.Cache?
        if let c = spec.cache, c.enabled == true {
            cache = ClassifierConfig.Cache(similarityThreshold: c.similarityThreshold ?? 0.95,
                                           ttlSeconds: c.ttl?.seconds ?? 600, maxEntries: c.maxEntries ?? 10000)
        }
        var shadow: ClassifierConfig.Shadow?
        if let s = spec.shadow, s.percent > 0, let b = backend(named: s.backend), let loc = location(b) {
            let scheme = loc.tls ? "https" : "http"
            let defaultPort = loc.tls ? 443 : 80
            let port = loc.port == defaultPort ? "" : ":\(loc.port)"
            let prefix = b.effectiveSchema.prefix ?? "/v1"
            shadow = ClassifierConfig.Shadow(url: "\(scheme)://\(loc.host)\(port)\(prefix)/chat/completions",
                                             model: b.model, percent: s.percent)
        }
        let session = spec.session.map { s in
            ClassifierConfig.Session(header: s.header.lowercased(), ttlSeconds: s.ttl?.seconds ?? 1800,
                                     maxSessions: s.maxSessions ?? SessionPolicy.defaultMaxSessions)
        }
        let conversation = ClassifierConfig.Conversation(
            contextTurns: spec.conversation?.contextTurns ?? ConversationPolicy.defaultContextTurns)
        return ClassifierConfig(
            route: "\(route.namespace)/\(route.name)", models: [spec.model] + (spec.aliases ?? []), decisions: rules,
            defaultAlias: names.alias("default"), safety: safety, cache: cache, shadow: shadow,
            session: session, conversation: conversation,
            failOpen: spec.classifier?.failOpen ?? true, experiments: experiments,
            decisionLog: spec.observability?.decisionLog.map { log in
                ClassifierConfig.DecisionLog(sampleRatio: Double(log.effectiveSampleRatio) ?? 1,
                                             includePrompt: log.includePrompt ?? false)
            })
    }

    /// The sticky A/B tests, each arm with the alias its AIGatewayRoute rule matches.
    var experiments: [ClassifierConfig.Experiment]? {
        guard let list = spec.experiments, !list.isEmpty else { return nil }
        return list.map { e in
            ClassifierConfig.Experiment(name: e.name, decision: e.effectiveDecision, header: e.header, arms: e.arms.map { arm in
                .init(name: arm.name, alias: armAlias(decision: e.effectiveDecision, arm: arm.name), weight: arm.effectiveWeight)
            })
        }
    }

    func condition(_ c: DecisionCondition) -> ClassifierConfig.Condition {
        ClassifierConfig.Condition(
            domains: c.domains,
            keywords: c.keywords.map { k in
                ClassifierConfig.Keywords(any: k.any ?? [], all: k.all ?? [], regex: k.regex ?? [],
                                          caseSensitive: k.caseSensitive ?? false, wordBoundary: k.wordBoundary ?? true)
            },
            examples: c.examples.map { ClassifierConfig.Examples(utterances: $0.utterances, threshold: $0.threshold ?? 0.7) },
            anyOf: c.anyOf?.map(condition), allOf: c.allOf?.map(condition), not: c.not.map(condition),
            headers: c.headers?.map { h in
                ClassifierConfig.HeaderMatch(name: h.name, exact: h.exact, prefix: h.prefix, regex: h.regex, present: h.present,
                                             absent: h.absent)
            },
            domainMinProbability: c.domainMinProbability)
    }

    /// `spec.observability.tracing` as the standard OpenTelemetry environment swift-otel reads in the classifier:
    /// OTLP endpoint and protocol, parent-based ratio sampling (a request's own sampling decision wins), and
    /// resource attributes naming the route and the pod. Nil without tracing, so the pod template (and its
    /// rollout) changes only when a route turns tracing on or changes it.
    func tracingEnvironment() -> JSONValue? {
        guard let tracing = spec.observability?.tracing else { return nil }
        let resource = "k8s.namespace.name=\(route.namespace),k8s.pod.name=$(POD_NAME),semroute.route=\(route.namespace)/\(route.name)"
        return [
            ["name": "POD_NAME", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]],
            ["name": "OTEL_SERVICE_NAME", "value": "semroute-classifier"],
            ["name": "OTEL_RESOURCE_ATTRIBUTES", "value": .string(resource)],
            ["name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": .string(tracing.endpoint)],
            ["name": "OTEL_EXPORTER_OTLP_PROTOCOL", "value": .string(tracing.effectiveProtocol.rawValue)],
            ["name": "OTEL_TRACES_SAMPLER", "value": "parentbased_traceidratio"],
            ["name": "OTEL_TRACES_SAMPLER_ARG", "value": .string(tracing.effectiveSamplingRatio)],
        ]
    }
}
