import KubeCore

extension SemanticRoute {
    /// A copy with every optional field that has a default filled in: the same defaults the CRD schema
    /// declares, plus those that depend on the object (namespaces of references default to the route's).
    /// Render works on the defaulted route; the user's object is never changed.
    public func defaulted() -> SemanticRoute {
        var r = self
        let ns = namespace
        r.metadata.namespace = ns
        r.spec.gatewayRef.namespace = r.spec.gatewayRef.namespace ?? ns
        r.spec.gatewayRef.listener = r.spec.gatewayRef.listener ?? GatewayReference.defaultListener
        r.spec.backends = r.spec.backends.map { b in
            var b = b
            if var svc = b.endpoint?.service {
                svc.namespace = svc.namespace ?? ns
                b.endpoint?.service = svc
            }
            return b
        }
        r.spec.decisions = r.spec.decisions.map { decisions in
            decisions.map { d in
                var d = d
                d.priority = d.priority ?? 0
                d.targets = d.targets.map(Self.defaulted)
                d.when = Self.defaulted(d.when)
                if var reasoning = d.reasoning {
                    reasoning.enabled = reasoning.enabled ?? true
                    reasoning.effort = reasoning.effort ?? .medium
                    d.reasoning = reasoning
                }
                return d
            }
        }
        r.spec.defaultTargets = r.spec.defaultTargets.map(Self.defaulted)
        if var safety = r.spec.safety {
            if var pii = safety.pii {
                pii.entities = pii.entities ?? SafetyPolicy.PIIEntity.allCases
                safety.pii = pii
            }
            if var jailbreak = safety.jailbreak {
                jailbreak.threshold = jailbreak.threshold ?? 0.8
                jailbreak.detector = jailbreak.detector ?? .patterns
                safety.jailbreak = jailbreak
            }
            r.spec.safety = safety
        }
        if var cache = r.spec.cache {
            cache.enabled = cache.enabled ?? false
            cache.similarityThreshold = cache.similarityThreshold ?? 0.95
            cache.ttl = cache.ttl ?? "10m"
            cache.maxEntries = cache.maxEntries ?? 10000
            r.spec.cache = cache
        }
        if var session = r.spec.session {
            session.ttl = session.ttl ?? SessionPolicy.defaultTTL
            session.maxSessions = session.maxSessions ?? SessionPolicy.defaultMaxSessions
            r.spec.session = session
        }
        var conversation = r.spec.conversation ?? ConversationPolicy()
        conversation.contextTurns = conversation.contextTurns ?? ConversationPolicy.defaultContextTurns
        r.spec.conversation = conversation
        if var retry = r.spec.retry {
            retry.attempts = retry.attempts ?? 2
            retry.attemptsPerPriority = retry.attemptsPerPriority ?? 1
            r.spec.retry = retry
        }
        if var failover = r.spec.failover {
            failover.mode = failover.mode ?? FailoverPolicy.defaultMode
            failover.ejection = failover.ejection?.filled
            failover.healthCheck = failover.healthCheck?.filled
            failover.circuitBreaker = failover.circuitBreaker?.filled
            r.spec.failover = failover
        }
        r.spec.rollouts = r.spec.rollouts?.map { rollout in
            var rollout = rollout
            rollout.decision = rollout.effectiveDecision
            rollout.steps = rollout.steps ?? Rollout.defaultSteps
            rollout.interval = rollout.interval ?? Rollout.defaultInterval
            var analysis = rollout.analysis ?? Rollout.Analysis()
            analysis.maxErrorRate = analysis.maxErrorRate ?? Rollout.Analysis.defaultMaxErrorRate
            analysis.maxLatencyRatio = analysis.maxLatencyRatio ?? Rollout.Analysis.defaultMaxLatencyRatio
            analysis.minRequests = analysis.effectiveMinRequests
            rollout.analysis = analysis
            return rollout
        }
        var classifier = r.spec.classifier ?? ClassifierSpec()
        classifier.replicas = classifier.replicas ?? 1
        classifier.failOpen = classifier.failOpen ?? true
        classifier.timeout = classifier.timeout ?? ClassifierSpec.defaultTimeout
        if var autoscaling = classifier.autoscaling {
            autoscaling.minReplicas = autoscaling.minReplicas ?? 1
            autoscaling.targetCPUUtilizationPercentage = autoscaling.targetCPUUtilizationPercentage ?? 70
            classifier.autoscaling = autoscaling
        }
        r.spec.classifier = classifier
        return r
    }

    static func defaulted(_ t: Target) -> Target {
        Target(backend: t.backend, weight: t.weight ?? 1, priority: t.priority ?? 0)
    }

    static func defaulted(_ c: DecisionCondition) -> DecisionCondition {
        var c = c
        if var k = c.keywords {
            k.caseSensitive = k.caseSensitive ?? false
            k.wordBoundary = k.wordBoundary ?? true
            c.keywords = k
        }
        if var e = c.examples {
            e.threshold = e.threshold ?? 0.7
            c.examples = e
        }
        c.anyOf = c.anyOf?.map(defaulted)
        c.allOf = c.allOf?.map(defaulted)
        c.not = c.not.map(defaulted)
        return c
    }
}
