import KubeCore
import SemanticRouteAPI

/// The gateway side: the AIGatewayRoute, its BackendTrafficPolicy, and the two Gateway-level policies
/// (the classifier's ext_proc patch and the body buffer limit).
extension RenderContext {
    static let modelHeader = "x-ai-eg-model"
    static let usageMetadataNamespace = "io.envoy.ai_gateway"

    func aiGatewayRoute() -> DesiredObject {
        // On AI Gateway v1.2 the aliases only the classifier writes are hidden from `/v1/models`, so clients list
        // the virtual model and its aliases. The default alias gets a rule of its own for that when there is
        // room (an AIGatewayRoute holds 15 rules); with 14 decisions it shares the default rule and stays listed.
        let hide = options.aiGateway.hidesRulesFromModels
        var rules: [JSONValue] = orderedDecisions.map { d in
            rule(name: d.name, models: [names.alias(d.name)], targets: shifted(d.targets, decision: d.name), hidden: hide)
        }
        // One rule per experiment arm: its alias goes to its backend, with the decision's fallback tiers behind it.
        for (experiment, arm) in experimentArms {
            let decision = experiment.effectiveDecision
            let base = decision == "default" ? spec.defaultTargets : (backendTargets(ofDecision: decision) ?? [])
            let fallbacks = base.filter { $0.effectivePriority > 0 && $0.backend != arm.backend }
            rules.append(rule(name: Self.armRule(decision: decision, arm: arm.name), models: [armAlias(decision: decision, arm: arm.name)],
                              targets: [Target(backend: arm.backend, weight: 1, priority: 0)] + fallbacks, hidden: hide))
        }
        // The default rule also takes the virtual model itself, so a request the classifier let through
        // unclassified (failOpen) still reaches the default targets.
        let publicModels = [spec.model] + (spec.aliases ?? [])
        let defaults = shifted(spec.defaultTargets, decision: "default")
        if hide, rules.count < SemanticRouteSpec.maxDecisions {
            rules.append(rule(name: "default", models: publicModels, targets: defaults))
            rules.append(rule(name: Self.defaultAliasRule, models: [names.alias("default")], targets: defaults, hidden: true))
        } else {
            rules.append(rule(name: "default", models: [names.alias("default")] + publicModels, targets: defaults))
        }

        var parent = JSONObject([
            ("group", "gateway.networking.k8s.io"), ("kind", "Gateway"),
            ("name", .string(names.gatewayName)), ("namespace", .string(names.gatewayNamespace)),
        ])
        parent["sectionName"] = .string(names.listener)
        var routeSpec = JSONObject([("parentRefs", [.object(parent)])])
        if let hostnames = spec.hostnames, !hostnames.isEmpty { routeSpec["hostnames"] = JSONValue(hostnames) }
        routeSpec["rules"] = .array(rules)
        let tokenKinds = Set((spec.rateLimits ?? []).compactMap(\.tokens))
        var costs: [JSONValue] = TokenRateLimit.Tokens.allCases.filter(tokenKinds.contains).map { t in
            ["metadataKey": .string(t.metadataKey), "type": .string(t.costType)]
        }
        if let expression = costExpression() {
            costs.append(["metadataKey": .string(Self.costMetadataKey), "type": "CEL", "cel": .string(expression)])
        }
        if !costs.isEmpty { routeSpec["llmRequestCosts"] = .array(costs) }
        return object(RenderedKinds.aiGatewayRoutes, name: names.aiGatewayRoute,
                      labels: [(RouteLabels.componentKey, "route")], spec: .object(routeSpec))
    }

    /// The rule of the default alias when it has its own (AI Gateway v1.2): a dotted name no decision can take.
    static let defaultAliasRule = "default.alias"

    /// The rule of an experiment arm, `<decision>.<arm>`: dotted, so no decision can take it.
    static func armRule(decision: String, arm: String) -> String { "\(decision).\(arm)" }

    /// The model alias of an experiment arm, `<route>.<decision>.<arm>`.
    func armAlias(decision: String, arm: String) -> String { names.alias("\(decision).\(arm)") }

    /// Every experiment arm, in the order the route lists them.
    var experimentArms: [(Experiment, Experiment.Arm)] {
        (spec.experiments ?? []).flatMap { e in e.arms.map { (e, $0) } }
    }

    func backendTargets(ofDecision name: String) -> [Target]? { decisions.first { $0.name == name }?.targets }

    private func rule(name: String, models: [String], targets: [Target], hidden: Bool = false) -> JSONValue {
        var rule = JSONObject([("name", .string(name))])
        rule["matches"] = .array(models.map { model in
            ["headers": [["type": "Exact", "name": .string(Self.modelHeader), "value": .string(model)]]]
        })
        rule["backendRefs"] = .array(targets.map { t in
            var ref = JSONObject([("name", .string(names.backend(t.backend)))])
            if let b = backend(named: t.backend) { ref["modelNameOverride"] = .string(b.model) }
            ref["weight"] = JSONValue(t.effectiveWeight)
            ref["priority"] = JSONValue(t.effectivePriority)
            return .object(ref)
        })
        if let request = spec.timeouts?.request { rule["timeouts"] = ["request": .string(request.text)] }
        if let idle = spec.timeouts?.streamIdle { rule["streamIdleTimeout"] = .string(idle.text) }
        if hidden { rule["excludeFromModelsEndpoint"] = true }
        return .object(rule)
    }

    /// Whether any target list has a fallback tier.
    var hasFailover: Bool {
        (decisions.flatMap(\.targets) + spec.defaultTargets).contains { $0.effectivePriority > 0 }
    }

    /// Retries/failover, token rate limits, health checking and circuit breakers, on the HTTPRoute AI Gateway
    /// generates (same name). Every route has one: passive ejection is always on.
    func backendTrafficPolicy() -> DesiredObject {
        var policy = JSONObject([("targetRefs", [[
            "group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": .string(names.aiGatewayRoute),
        ]])])
        if spec.retry != nil || hasFailover {
            let r = spec.retry ?? RetryPolicy()
            var retry = JSONObject([("numRetries", JSONValue(r.attempts ?? 2))])
            if hasFailover { retry["numAttemptsPerPriority"] = JSONValue(r.attemptsPerPriority ?? 1) }
            if let perTry = r.perTryTimeout { retry["perRetry"] = ["timeout": .string(perTry.text)] }
            let triggers = r.effectiveTriggers ?? ["connect-failure", "reset", "retriable-status-codes"]
            var retryOn = JSONObject([("triggers", JSONValue(triggers))])
            let codes = r.statusCodes ?? (r.effectiveTriggers == nil ? [429, 503] : [])
            if !codes.isEmpty { retryOn["httpStatusCodes"] = .array(codes.map(JSONValue.init)) }
            retry["retryOn"] = .object(retryOn)
            policy["retry"] = .object(retry)
        }
        if let limits = spec.rateLimits, !limits.isEmpty {
            policy["rateLimit"] = ["type": "Global", "global": ["rules": .array(limits.map(rateLimitRule))]]
        }
        policy["healthCheck"] = healthCheck()
        policy["circuitBreaker"] = circuitBreaker()
        return object(RenderedKinds.backendTrafficPolicies, name: names.aiGatewayRoute,
                      labels: [(RouteLabels.componentKey, "route")], spec: .object(policy))
    }

    /// Envoy Gateway health checking for every backend of the route (one policy reaches every rule's cluster):
    /// passive ejection always; an active HTTP probe only when every backend is SelfHosted (a hosted provider
    /// would fail it); ActiveActive turns Envoy's panic mode off, so an ejected backend never gets traffic.
    private func healthCheck() -> JSONValue {
        let failover = spec.failover ?? FailoverPolicy()
        // `filled` sets every field (the defaults where the route sets none), so the unwraps below cannot fail.
        let ejection = (failover.ejection ?? .init()).filled
        let errors = JSONValue(ejection.consecutiveErrors!)
        var check = JSONObject([("passive", .object(JSONObject([
            ("consecutive5XxErrors", errors), ("consecutiveGatewayErrors", errors),
            ("interval", .string(ejection.interval!.text)), ("baseEjectionTime", .string(ejection.baseEjectionTime!.text)),
            ("maxEjectionPercent", JSONValue(ejection.maxEjectionPercent!)),
        ])))])
        if FailoverPolicy.probes(spec) {
            let probe = (failover.healthCheck ?? .init()).filled
            check["active"] = .object(JSONObject([
                ("type", "HTTP"),
                ("http", ["path": .string(probe.path!), "expectedStatuses": [200]]),
                ("interval", .string(probe.interval!.text)), ("timeout", .string(probe.timeout!.text)),
                ("unhealthyThreshold", JSONValue(probe.unhealthyThreshold!)),
                ("healthyThreshold", JSONValue(probe.healthyThreshold!)),
            ]))
        }
        if (failover.mode ?? FailoverPolicy.defaultMode) == .activeActive { check["panicThreshold"] = 0 }
        return .object(check)
    }

    private func circuitBreaker() -> JSONValue {
        let breaker = (spec.failover?.circuitBreaker ?? .init()).filled
        return .object(JSONObject([
            ("maxConnections", JSONValue(breaker.maxConnections!)),
            ("maxPendingRequests", JSONValue(breaker.maxPendingRequests!)),
            ("maxParallelRequests", JSONValue(breaker.maxParallelRequests!)),
        ]))
    }

    /// A token budget: requests cost nothing up front; the response is charged with the token count
    /// AI Gateway writes into dynamic metadata.
    private func rateLimitRule(_ limit: TokenRateLimit) -> JSONValue {
        var rule = JSONObject()
        if let header = limit.clientHeader {
            rule["clientSelectors"] = [["headers": [["name": .string(header), "type": "Distinct"]]]]
        }
        // A money budget counts millionths of the currency under the CEL cost's key; a token budget, tokens.
        let requests = limit.budget?.micros.map { Int64($0) } ?? Int64(limit.limit ?? 0)
        let key = limit.budget != nil ? Self.costMetadataKey : (limit.tokens ?? .total).metadataKey
        rule["limit"] = ["requests": .int(requests), "unit": .string(limit.window.rawValue)]
        rule["cost"] = [
            "request": ["from": "Number", "number": 0],
            "response": ["from": "Metadata", "metadata": [
                "namespace": .string(Self.usageMetadataNamespace), "key": .string(key),
            ]],
        ]
        return .object(rule)
    }

    /// Inserts the classifier's ext_proc filter first in the listener's HTTP filters (ahead of AI Gateway's
    /// own ext_proc, which reads `model` from the body), disabled there, and enables it on the routes of this
    /// route's AIGatewayRoute only (per-route config, matched on the request as it arrives: for a chat request
    /// that is AI Gateway's catch-all rule of that HTTPRoute), so other routes on the Gateway never reach the
    /// classifier; adds the gRPC cluster that reaches it. The xDS shape is in docs/classifier.md, "Where the
    /// filter runs".
    func envoyPatchPolicy() -> DesiredObject {
        let classifier = spec.classifier ?? ClassifierSpec()
        let timeout = Self.protoDuration(classifier.timeout ?? ClassifierSpec.defaultTimeout)
        let filterName = names.patchPolicy
        let filter: JSONValue = [
            "name": .string(filterName),
            "disabled": true,
            "typed_config": [
                "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
                "grpc_service": ["envoy_grpc": ["cluster_name": .string(filterName)], "timeout": .string(timeout)],
                "failure_mode_allow": .bool(classifier.failOpen ?? true),
                "message_timeout": .string(timeout),
                // The classifier answers the request headers with a mode_override for the rest of the request:
                // no body for a request that is not a chat completion, the response headers only on a route
                // with the semantic cache, the response body only for a cacheable answer. This base is what
                // a request of ours needs on a route without the cache (docs/classifier.md, "Phases").
                "allow_mode_override": true,
                "processing_mode": [
                    "request_header_mode": "SEND",
                    "request_body_mode": "BUFFERED",
                    "request_trailer_mode": "SKIP",
                    "response_header_mode": "SKIP",
                    "response_body_mode": "NONE",
                    "response_trailer_mode": "SKIP",
                ],
            ],
        ]
        let cluster: JSONValue = [
            "name": .string(filterName),
            "type": "STRICT_DNS",
            "connect_timeout": "5s",
            "lb_policy": "ROUND_ROBIN",
            "typed_extension_protocol_options": [
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": [
                    "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                    "explicit_http_config": ["http2_protocol_options": [:]],
                ],
            ],
            "load_assignment": [
                "cluster_name": .string(filterName),
                "endpoints": [["lb_endpoints": [["endpoint": ["address": ["socket_address": [
                    "address": .string(names.classifierHost), "port_value": JSONValue(ClassifierPorts.grpc),
                ]]]]]]],
            ],
        ]
        return object(RenderedKinds.envoyPatchPolicies, name: names.patchPolicy,
                      namespace: names.gatewayNamespace, labels: [(RouteLabels.componentKey, "gateway")], spec: [
            "targetRef": ["group": "gateway.networking.k8s.io", "kind": "Gateway", "name": .string(names.gatewayName)],
            "type": "JSONPatch",
            "jsonPatches": [
                [
                    "type": "type.googleapis.com/envoy.config.listener.v3.Listener",
                    "name": .string(names.envoyListener),
                    "operation": ["op": "add", "path": "/default_filter_chain/filters/0/typed_config/http_filters/0", "value": filter],
                ],
                [
                    "type": "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
                    "name": .string(names.envoyRouteConfiguration),
                    "operation": [
                        "op": "add",
                        "jsonPath": .string("..routes[?match(@.name, '\(names.envoyRoutesPattern)')]"),
                        "path": .string("typed_per_filter_config/\(filterName)"),
                        "value": [
                            "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute",
                            "overrides": [:],
                        ],
                    ],
                ],
                [
                    "type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
                    "name": .string(filterName),
                    "operation": ["op": "add", "path": "", "value": cluster],
                ],
            ],
        ])
    }

    /// The body buffer limit on the Gateway, shared by every route attached to it: route-neutral.
    func clientTrafficPolicy() -> DesiredObject {
        object(RenderedKinds.clientTrafficPolicies, name: names.clientTrafficPolicy,
               namespace: names.gatewayNamespace, labels: [(RouteLabels.componentKey, "gateway")], routeNeutral: true, spec: [
            "targetRefs": [["group": "gateway.networking.k8s.io", "kind": "Gateway", "name": .string(names.gatewayName)]],
            "connection": ["bufferLimit": .string(options.bufferLimit)],
        ])
    }

    /// Protobuf JSON durations are seconds with an `s` suffix (`0.5s`, not `500ms`).
    static func protoDuration(_ d: GoDuration) -> String {
        let ms = d.milliseconds ?? 1000
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        let frac = String(ms % 1000)
        var digits = String(repeating: "0", count: 3 - frac.count) + frac
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(ms / 1000).\(digits)s"
    }
}

/// The classifier's ports (DESIGN §3).
public enum ClassifierPorts {
    public static let grpc = 50051
    public static let http = 8080
    public static let metrics = 9190
}
