import Foundation
import KubeCore

/// The cross-field rules of a SemanticRoute, in Swift: the same rules the CRD states as CEL
/// (`x-kubernetes-validations`), plus checks CEL cannot express (regexes compile, image pinning).
/// Runs offline (`semroute validate`) and in the operator, so status names the exact field.
public enum SemanticRouteValidator {
    public static func validate(_ route: SemanticRoute) -> [FieldError] {
        var errors: [FieldError] = []
        let meta: FieldPath = "metadata"
        if route.apiVersion != SemanticRoute.apiVersion {
            errors.append(.invalid("apiVersion", "\"\(route.apiVersion)\"", "must be \(SemanticRoute.apiVersion)"))
        }
        if route.kind != SemanticRoute.kind {
            errors.append(.invalid("kind", "\"\(route.kind)\"", "must be \(SemanticRoute.kind)"))
        }
        if let name = route.metadata.name, !name.isEmpty {
            if !DNSName.isSubdomain(name) {
                errors.append(.invalid(meta / "name", "\"\(name)\"", DNSName.subdomainMessage))
            }
        } else {
            errors.append(.required(meta / "name", "name is required"))
        }
        if let ns = route.metadata.namespace, !DNSName.isLabel(ns) {
            errors.append(.invalid(meta / "namespace", "\"\(ns)\"", DNSName.labelMessage))
        }
        errors += validate(route.spec, at: "spec")
        return errors
    }

    static func validate(_ spec: SemanticRouteSpec, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let backendNames = spec.backends.map(\.name)
        let known = Set(backendNames)

        // Backends: unique names, endpoint, region and auth fit the preset.
        var seen: Set<String> = []
        for (i, backend) in spec.backends.enumerated() {
            let p = (path / "backends")[i]
            if !seen.insert(backend.name).inserted {
                errors.append(.duplicate(p / "name", "\"\(backend.name)\""))
            }
            errors += validate(backend, at: p)
        }

        // Model and aliases.
        if let aliases = spec.aliases {
            for (i, alias) in aliases.enumerated() where alias == spec.model {
                errors.append(.invalid((path / "aliases")[i], "\"\(alias)\"", "repeats spec.model"))
            }
            errors += duplicates(aliases, at: path / "aliases")
        }

        // Decisions.
        let decisions = spec.decisions ?? []
        if decisions.count > SemanticRouteSpec.maxDecisions {
            errors.append(FieldError(.tooMany, path / "decisions", value: String(decisions.count),
                                     "must have at most \(SemanticRouteSpec.maxDecisions) items (an AIGatewayRoute holds 15 rules, one is the default)"))
        }
        var decisionNames: Set<String> = []
        for (i, decision) in decisions.enumerated() {
            let p = (path / "decisions")[i]
            if !decisionNames.insert(decision.name).inserted {
                errors.append(.duplicate(p / "name", "\"\(decision.name)\""))
            }
            if Decision.reservedNames.contains(decision.name) {
                errors.append(.invalid(p / "name", "\"\(decision.name)\"", "is reserved"))
            }
            errors += validate(decision.when, at: p / "when")
            errors += validate(decision.targets, at: p / "targets", known: backendNames)
        }
        errors += validate(spec.defaultTargets, at: path / "defaultTargets", known: backendNames)

        // Shadow: the classifier sends the copies itself and holds no credentials.
        if let shadow = spec.shadow {
            if !known.contains(shadow.backend) {
                errors.append(notFound(path / "shadow" / "backend", shadow.backend, known: backendNames))
            } else if let b = spec.backends.first(where: { $0.name == shadow.backend }), b.auth != nil {
                errors.append(.invalid(path / "shadow" / "backend", "\"\(shadow.backend)\"",
                                       "a shadow backend must need no auth: the classifier sends the copies and never holds credentials"))
            }
        }

        // Experiments: real decisions and backends, one per decision, and every arm's rule fits the AIGatewayRoute.
        errors += validateExperiments(spec, known: known, backendNames: backendNames, at: path)

        // Rollouts: a real decision, its stable primary and a new candidate, one per decision, none on a split decision.
        errors += validateRollouts(spec, known: known, backendNames: backendNames, at: path)

        // Failover: ActiveActive has one priority level; an active probe would starve a hosted backend.
        if let failover = spec.failover {
            errors += validate(failover, spec: spec, at: path / "failover")
        }

        // Session pinning: a TTL of zero would pin nothing.
        if let ttl = spec.session?.ttl, (ttl.milliseconds ?? 0) <= 0 {
            errors.append(.invalid(path / "session" / "ttl", "\"\(ttl.text)\"", "must be a positive duration such as 30m"))
        }

        // Tracing: the endpoint's port must be one.
        if let endpoint = spec.observability?.tracing?.endpoint, URLParts(endpoint) == nil {
            errors.append(.invalid(path / "observability" / "tracing" / "endpoint", "\"\(endpoint)\"",
                                   "must be http(s)://host[:port] with a lower-case host and a port from 1 to 65535"))
        }

        // Rate limits.
        errors += duplicates((spec.rateLimits ?? []).map(\.name), at: path / "rateLimits", field: "name")
        errors += validateBudgets(spec, at: path)

        // Retry.
        if let retry = spec.retry, retry.triggers != nil, retry.on != nil {
            errors.append(.invalid(path / "retry" / "on", nil, "set triggers or its deprecated alias on, not both"))
        }
        if let retry = spec.retry, let codes = retry.statusCodes, !codes.isEmpty,
           !(retry.effectiveTriggers ?? []).contains("retriable-status-codes")
        {
            errors.append(.invalid(path / "retry" / "statusCodes", nil,
                                   "statusCodes take effect only when retry.triggers contains \"retriable-status-codes\""))
        }

        // Classifier.
        if let c = spec.classifier {
            let p = path / "classifier"
            if let a = c.autoscaling, let min = a.minReplicas, min > a.maxReplicas {
                errors.append(.invalid(p / "autoscaling" / "minReplicas", String(min), "must not exceed maxReplicas (\(a.maxReplicas))"))
            }
            if let image = c.image, let why = ImageReference.unpinnedReason(image) {
                errors.append(.invalid(p / "image", "\"\(image)\"", why))
            }
        }
        return errors
    }

    static func validateExperiments(_ spec: SemanticRouteSpec, known: Set<String>, backendNames: [String], at path: FieldPath) -> [FieldError] {
        let experiments = spec.experiments ?? []
        guard !experiments.isEmpty else { return [] }
        var errors = duplicates(experiments.map(\.name), at: path / "experiments", field: "name")
        let decisions = Set((spec.decisions ?? []).map(\.name))
        var split: [String: Int] = [:]
        for (i, experiment) in experiments.enumerated() {
            let p = (path / "experiments")[i]
            let decision = experiment.effectiveDecision
            if decision != "default", !decisions.contains(decision) {
                errors.append(FieldError(.notFound, p / "decision", value: "\"\(decision)\"",
                                         "no decision of this route has that name; known: " + (["default"] + (spec.decisions ?? []).map(\.name)).joined(separator: ", ")))
            }
            if let first = split[decision] {
                errors.append(.invalid(p / "decision", "\"\(decision)\"", "experiments[\(first)] already splits this decision"))
            } else {
                split[decision] = i
            }
            if experiment.arms.count < 2 {
                errors.append(.invalid(p / "arms", nil, "an experiment needs at least two arms"))
            }
            errors += duplicates(experiment.arms.map(\.name), at: p / "arms", field: "name")
            for (j, arm) in experiment.arms.enumerated() where !known.contains(arm.backend) {
                errors.append(notFound((p / "arms")[j] / "backend", arm.backend, known: backendNames))
            }
            if !experiment.arms.isEmpty, experiment.arms.allSatisfy({ $0.effectiveWeight == 0 }) {
                errors.append(.invalid(p / "arms", nil, "at least one arm needs a weight above 0"))
            }
        }
        let arms = experiments.reduce(0) { $0 + $1.arms.count }
        let rules = (spec.decisions?.count ?? 0) + 1 + arms
        if rules > SemanticRouteSpec.maxDecisions + 1 {
            errors.append(.invalid(path / "experiments", nil,
                                   "an AIGatewayRoute holds at most 15 rules, and this route needs \(rules): \(spec.decisions?.count ?? 0) decisions, the default and \(arms) experiment arms (one rule each)"))
        }
        return errors
    }

    static func validateRollouts(_ spec: SemanticRouteSpec, known: Set<String>, backendNames: [String], at path: FieldPath) -> [FieldError] {
        let rollouts = spec.rollouts ?? []
        guard !rollouts.isEmpty else { return [] }
        var errors = duplicates(rollouts.map(\.name), at: path / "rollouts", field: "name")
        let experimented = Set((spec.experiments ?? []).map(\.effectiveDecision))
        var shifted: [String: Int] = [:]
        for (i, rollout) in rollouts.enumerated() {
            let p = (path / "rollouts")[i]
            let decision = rollout.effectiveDecision
            let targets: [Target]?
            if decision == "default" {
                targets = spec.defaultTargets
            } else if let d = spec.decisions?.first(where: { $0.name == decision }) {
                targets = d.targets
            } else {
                targets = nil
                errors.append(FieldError(.notFound, p / "decision", value: "\"\(decision)\"",
                                         "no decision of this route has that name; known: " + (["default"] + (spec.decisions ?? []).map(\.name)).joined(separator: ", ")))
            }
            if let first = shifted[decision] {
                errors.append(.invalid(p / "decision", "\"\(decision)\"", "rollouts[\(first)] already shifts this decision"))
            } else {
                shifted[decision] = i
            }
            if experimented.contains(decision) {
                errors.append(.invalid(p / "decision", "\"\(decision)\"", "an experiment splits this decision; a decision takes an experiment or a rollout, not both"))
            }
            for (field, backend) in [("stable", rollout.stable), ("candidate", rollout.candidate)] where !known.contains(backend) {
                errors.append(notFound(p / field, backend, known: backendNames))
            }
            if rollout.stable == rollout.candidate {
                errors.append(.invalid(p / "candidate", "\"\(rollout.candidate)\"", "must differ from stable"))
            }
            if let targets, known.contains(rollout.stable) {
                let primaries = targets.filter { $0.effectivePriority == 0 }
                if let t = primaries.first(where: { $0.backend == rollout.stable }) {
                    if t.effectiveWeight == 0 {
                        errors.append(.invalid(p / "stable", "\"\(rollout.stable)\"", "has weight 0 in the decision's targets, so it has no traffic to move"))
                    }
                } else {
                    errors.append(.invalid(p / "stable", "\"\(rollout.stable)\"", "must be a priority-0 target of the decision \(decision); its priority-0 targets: "
                                           + primaries.map(\.backend).joined(separator: ", ")))
                }
                if rollout.candidate != rollout.stable, primaries.contains(where: { $0.backend == rollout.candidate }) {
                    errors.append(.invalid(p / "candidate", "\"\(rollout.candidate)\"", "is already a priority-0 target of the decision \(decision)"))
                }
            }
            if let stable = spec.backends.first(where: { $0.name == rollout.stable }),
               let candidate = spec.backends.first(where: { $0.name == rollout.candidate }), stable.name != candidate.name,
               stable.model == candidate.model {
                errors.append(.invalid(p / "candidate", "\"\(rollout.candidate)\"",
                                       "serves the same model as stable (\(stable.model)): AI Gateway's metrics tell backends apart only by the model they are asked for (gen_ai_request_model), so the analysis could not compare them"))
            }
            if let targets, let stable = spec.backends.first(where: { $0.name == rollout.stable }),
               let candidate = spec.backends.first(where: { $0.name == rollout.candidate }) {
                // Every other target of the decision must be told apart from both by its model, too.
                for t in targets where t.backend != stable.name && t.backend != candidate.name {
                    if let other = spec.backends.first(where: { $0.name == t.backend }), [stable.model, candidate.model].contains(other.model) {
                        errors.append(.invalid(p / "decision", "\"\(decision)\"",
                                               "its target \(other.name) serves \(other.model), as the rollout's \(other.model == stable.model ? "stable" : "candidate") backend does: AI Gateway's metrics could not tell their requests apart"))
                    }
                }
            }
            let steps = rollout.steps ?? Rollout.defaultSteps
            if !steps.isEmpty, !steps.contains(where: { $0 < 100 }) {
                errors.append(.invalid(p / "steps", nil, "at least one step must be below 100 (100, the promotion, follows the last step)"))
            }
            if let bad = zip(steps, steps.dropFirst()).first(where: { $0.0 >= $0.1 }) {
                errors.append(.invalid(p / "steps", nil, "steps must be strictly increasing (\(bad.0) then \(bad.1))"))
            }
            if let ms = rollout.interval?.milliseconds, ms < 1000 {
                errors.append(.invalid(p / "interval", "\"\(rollout.interval?.text ?? "")\"", "must be at least 1s"))
            }
        }
        return errors
    }

    /// Money budgets: each limit is a token budget or a money budget; a money budget needs every backend priced,
    /// in one currency, and fits Envoy Gateway's counter.
    static func validateBudgets(_ spec: SemanticRouteSpec, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let limits = spec.rateLimits ?? []
        for (i, limit) in limits.enumerated() {
            let p = (path / "rateLimits")[i]
            switch (limit.budget, limit.tokens, limit.limit) {
            case (nil, .some, .some): continue
            case (nil, nil, _): errors.append(.required(p / "tokens", "a token budget needs tokens and limit; a money budget needs budget"))
            case (nil, _, nil): errors.append(.required(p / "limit", "a token budget needs tokens and limit; a money budget needs budget"))
            case (.some, _, _) where limit.tokens != nil || limit.limit != nil:
                errors.append(.invalid(p / "budget", nil, "set tokens and limit (a token budget) or budget (a money budget), not both"))
            case (let budget?, _, _):
                if let micros = budget.micros, micros > TokenRateLimit.maxBudgetMicros {
                    errors.append(.invalid(p / "budget" / "amount", "\"\(budget.amount)\"",
                                           "at most 4294.967295 per window: Envoy Gateway counts at most 4,294,967,295 units, here millionths of the currency (use a shorter window)"))
                } else if budget.micros == 0 {
                    errors.append(.invalid(p / "budget" / "amount", "\"\(budget.amount)\"", "must be more than 0"))
                }
            }
        }
        guard let first = limits.first(where: { $0.budget != nil }), let budget = first.budget else { return errors }
        let currency = budget.effectiveCurrency
        for (i, limit) in limits.enumerated() {
            if let other = limit.budget, other.effectiveCurrency != currency {
                errors.append(.invalid((path / "rateLimits")[i] / "budget" / "currency", "\"\(other.effectiveCurrency)\"",
                                       "every budget and price of a route uses one currency (\(currency) here)"))
            }
        }
        for (i, backend) in spec.backends.enumerated() {
            let p = (path / "backends")[i]
            guard let pricing = backend.pricing else {
                errors.append(.required(p / "pricing", "the route has a money budget (rateLimits[].budget), so every backend needs its price"))
                continue
            }
            if pricing.effectiveCurrency != currency {
                errors.append(.invalid(p / "pricing" / "currency", "\"\(pricing.effectiveCurrency)\"",
                                       "every budget and price of a route uses one currency (\(currency) here)"))
            }
        }
        return errors
    }

    static func validate(_ failover: FailoverPolicy, spec: SemanticRouteSpec, at p: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if failover.mode == .activeActive {
            let tiered = (spec.decisions ?? []).flatMap(\.targets) + spec.defaultTargets
            if tiered.contains(where: { $0.effectivePriority > 0 }) {
                errors.append(.invalid(p / "mode", "\"ActiveActive\"", FailoverPolicy.activeActiveMessage))
            }
        }
        if let check = failover.healthCheck, check.enabled ?? true,
           let hosted = spec.backends.firstIndex(where: { $0.provider != .selfHosted }) {
            errors.append(.invalid(p / "healthCheck", nil,
                                   FailoverPolicy.hostedHealthCheckMessage + " (backends[\(hosted)] is \(spec.backends[hosted].provider.rawValue))"))
        }
        let durations: [(String, GoDuration?)] = [("ejection.interval", failover.ejection?.interval),
                                                  ("ejection.baseEjectionTime", failover.ejection?.baseEjectionTime),
                                                  ("healthCheck.interval", failover.healthCheck?.interval),
                                                  ("healthCheck.timeout", failover.healthCheck?.timeout)]
        for (field, duration) in durations {
            if let duration, (duration.milliseconds ?? 0) <= 0 {
                errors.append(.invalid(p / FieldPath(stringLiteral: field), "\"\(duration.text)\"", "must be a positive duration such as 5s"))
            }
        }
        return errors
    }

    static func validate(_ backend: Backend, at p: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let preset = backend.provider
        if let endpoint = backend.endpoint {
            switch (endpoint.service, endpoint.url) {
            case (nil, nil), (.some, .some):
                errors.append(.invalid(p / "endpoint", nil, "exactly one of service or url must be set"))
            case (_, let url?):
                if URLParts(url) == nil {
                    errors.append(.invalid(p / "endpoint" / "url", "\"\(url)\"",
                                           "must be http:// or https:// followed by a lowercase host, an optional port, and no path"))
                }
            default: break
            }
        } else if preset.defaultEndpoint == nil {
            errors.append(.required(p / "endpoint", "the \(preset.rawValue) preset has no default endpoint"))
        }
        if preset.needsRegion, backend.region == nil, backend.endpoint == nil {
            errors.append(.required(p / "region", "the \(preset.rawValue) preset builds its endpoint from the region"))
        }
        if let schema = backend.schema {
            if schema.name.usesPrefix, schema.version != nil {
                errors.append(.invalid(p / "schema" / "version", "\"\(schema.version!)\"",
                                       "AI Gateway ignores version for the \(schema.name.rawValue) schema; use prefix"))
            }
            if !schema.name.usesPrefix, schema.prefix != nil {
                errors.append(.invalid(p / "schema" / "prefix", "\"\(schema.prefix!)\"",
                                       "AI Gateway ignores prefix for the \(schema.name.rawValue) schema; use version"))
            }
        }
        guard let auth = backend.auth else {
            if preset.requiresAuth {
                errors.append(.required(p / "auth", "the \(preset.rawValue) preset needs \(preset.allowedAuth.map(\.rawValue).joined(separator: " or "))"))
            }
            return errors
        }
        let kinds = auth.kinds
        if kinds.count != 1 {
            errors.append(.invalid(p / "auth", kinds.isEmpty ? "{}" : kinds.map(\.rawValue).joined(separator: ", "),
                                   "exactly one of apiKey, anthropicAPIKey, azureAPIKey, awsCredentials, azureCredentials, gcpCredentials must be set"))
        }
        for kind in kinds where !preset.allowedAuth.contains(kind) {
            errors.append(.invalid(p / "auth" / kind.rawValue, nil,
                                   "the \(preset.rawValue) preset takes \(preset.allowedAuth.map { "auth." + $0.rawValue }.joined(separator: " or "))"))
        }
        if let (field, ref) = auth.secretReference, kinds.count == 1, let key = ref.key, key != kinds[0].secretKey {
            errors.append(FieldError(.notSupported, p / "auth" / FieldPath(stringLiteral: field) / "key", value: "\"\(key)\"",
                                     "AI Gateway reads the key \"\(kinds[0].secretKey)\" for \(kinds[0].rawValue)"))
        }
        return errors
    }

    static func validate(_ targets: [Target], at p: FieldPath, known: [String]) -> [FieldError] {
        var errors: [FieldError] = []
        if targets.isEmpty { errors.append(.required(p, "at least one target is required")) }
        var seen: Set<String> = []
        for (i, t) in targets.enumerated() {
            if !known.contains(t.backend) {
                errors.append(notFound(p[i] / "backend", t.backend, known: known))
            }
            if !seen.insert(t.backend).inserted {
                errors.append(.duplicate(p[i] / "backend", "\"\(t.backend)\""))
            }
        }
        if !targets.isEmpty, !targets.contains(where: { $0.effectivePriority == 0 }) {
            errors.append(.invalid(p, nil, "at least one target must have priority 0"))
        }
        for tier in Set(targets.map(\.effectivePriority)).sorted() {
            let members = targets.filter { $0.effectivePriority == tier }
            if members.allSatisfy({ $0.effectiveWeight == 0 }) {
                errors.append(.invalid(p, nil, "every target of priority \(tier) has weight 0; at least one needs weight > 0"))
            }
        }
        return errors
    }

    static func validate(_ c: DecisionCondition, at p: FieldPath, depth: Int = 0) -> [FieldError] {
        var errors: [FieldError] = []
        if c.isEmpty { errors.append(.required(p, "a condition needs at least one signal")) }
        if depth > DecisionCondition.maxDepth {
            errors.append(.forbidden(p, "conditions nest at most \(DecisionCondition.maxDepth) levels"))
        }
        if let domains = c.domains {
            for (i, d) in domains.enumerated() where !DecisionCondition.knownDomains.contains(d) {
                errors.append(FieldError(.notSupported, (p / "domains")[i], value: "\"\(d)\"",
                                         "supported values: " + DecisionCondition.knownDomains.map { "\"\($0)\"" }.joined(separator: ", ")))
            }
        }
        if let floor = c.domainMinProbability {
            if c.domains == nil {
                errors.append(.required(p / "domains", "domainMinProbability applies to domains: set domains too"))
            }
            if !(0...1).contains(floor) {
                errors.append(.invalid(p / "domainMinProbability", "\(floor)", "must be between 0 and 1"))
            }
        }
        if let k = c.keywords {
            if k.any == nil, k.all == nil, k.regex == nil {
                errors.append(.required(p / "keywords", "set at least one of any, all or regex"))
            }
            for (i, pattern) in (k.regex ?? []).enumerated() {
                do { _ = try NSRegularExpression(pattern: pattern) } catch {
                    errors.append(.invalid((p / "keywords" / "regex")[i], "\"\(pattern)\"", "not a valid regular expression"))
                }
            }
        }
        if let e = c.examples, e.utterances.isEmpty {
            errors.append(.required(p / "examples" / "utterances", "at least one utterance is required"))
        }
        for (i, header) in (c.headers ?? []).enumerated() {
            errors += validate(header, at: (p / "headers")[i])
        }
        for (i, sub) in (c.anyOf ?? []).enumerated() { errors += validate(sub, at: (p / "anyOf")[i], depth: depth + 1) }
        for (i, sub) in (c.allOf ?? []).enumerated() { errors += validate(sub, at: (p / "allOf")[i], depth: depth + 1) }
        if let not = c.not { errors += validate(not, at: p / "not", depth: depth + 1) }
        return errors
    }

    static func validate(_ header: DecisionCondition.HeaderMatch, at p: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let kinds = header.setKinds
        if kinds.count != 1 {
            errors.append(.invalid(p, kinds.isEmpty ? "{name: \(header.name)}" : kinds.joined(separator: ", "),
                                   "exactly one of exact, prefix, regex, present or absent must be set"))
        }
        if header.present == false {
            errors.append(.invalid(p / "present", "false", "present takes only true (use absent: true instead of present: false)"))
        }
        if header.absent == false {
            errors.append(.invalid(p / "absent", "false", "absent takes only true (use present: true instead of absent: false)"))
        }
        if let pattern = header.regex {
            do { _ = try NSRegularExpression(pattern: pattern) } catch {
                errors.append(.invalid(p / "regex", "\"\(pattern)\"", "not a valid regular expression"))
            }
        }
        return errors
    }

    static func notFound(_ p: FieldPath, _ name: String, known: [String]) -> FieldError {
        FieldError(.notFound, p, value: "\"\(name)\"", "no backend of this route has that name; known: " + known.joined(separator: ", "))
    }

    static func duplicates(_ values: [String], at p: FieldPath, field: String? = nil) -> [FieldError] {
        var seen: Set<String> = []
        var errors: [FieldError] = []
        for (i, v) in values.enumerated() where !seen.insert(v).inserted {
            errors.append(.duplicate(field.map { p[i] / $0 } ?? p[i], "\"\(v)\""))
        }
        return errors
    }
}
