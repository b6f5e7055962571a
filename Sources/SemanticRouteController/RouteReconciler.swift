import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import Logging
import SemanticRouteAPI
import SemanticRouteRender

/// One reconcile of one SemanticRoute: read the stores, decide, write only what differs, report status.
/// Level-based and idempotent: it does not care why it was called. ``reconcile(namespace:name:)`` reads as
/// its steps, top to bottom; each step is an extension in its own file (`RouteReconciler+<Step>.swift`).
public struct RouteReconciler: Sendable {
    public var renderer: Renderer
    public var snapshot: any ClusterSnapshot
    public var writer: any ClusterWriter
    public var events: any RouteEventSink
    /// RFC 3339 "now", injected so tests control `lastTransitionTime`.
    public var now: @Sendable () -> String
    public var logger: Logger
    /// The route store holds every route of the cluster. An operator scoped to one namespace sees only its own
    /// routes, so it cannot tell that a shared ClientTrafficPolicy is unused and never deletes one.
    public var seesEveryRoute = true
    /// The operator's `--namespace` list (empty: all); references elsewhere report `NamespaceNotWatched`.
    public var watchedNamespaces: Set<String> = []
    /// Now in Unix seconds, for rollouts (injected so tests run them on a manual clock).
    public var clock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    /// Judges rollout steps from Prometheus; nil when the operator has no Prometheus (rollouts then hold, paused).
    public var rolloutAnalyzer: RolloutAnalyzer?
    /// When each rollout last asked Prometheus (in memory: an outage's retries write no status).
    let rolloutAttempts = RolloutAttempts()
    /// The last status written per route, until the route store has it (see ``StatusWriteMemo``).
    let statusMemo = StatusWriteMemo()
    /// Every priced backend's prices as gauges, for the chart's cost recording rules.
    let priceGauges = PriceGauges()

    public init(renderer: Renderer, snapshot: any ClusterSnapshot, writer: any ClusterWriter,
                events: any RouteEventSink, now: @escaping @Sendable () -> String = RouteReconciler.rfc3339Now,
                logger: Logger) {
        self.renderer = renderer
        self.snapshot = snapshot
        self.writer = writer
        self.events = events
        self.now = now
        self.logger = logger
    }

    public static let rfc3339Now: @Sendable () -> String = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }

    public func reconcile(namespace: String, name: String) async throws(ReconcileError) -> ReconcileAction {
        var logger = logger
        logger[metadataKey: "k8s.namespace"] = "\(namespace)"
        logger[metadataKey: "k8s.name"] = "\(name)"
        // Read: the route from the store. One that is gone needs nothing: owner references and the finalizer
        // already cleaned up after it.
        guard let raw = snapshot.route(namespace: namespace, name: name) else {
            statusMemo.forget("\(namespace)/\(name)")
            rolloutAttempts.forget(route: "\(namespace)/\(name)")
            priceGauges.remove(namespace: namespace, name: name)
            logger.debug("route is gone; owner references and its finalizer cleaned up after it")
            return .awaitChange
        }
        let routeLabel = RouteLabels.routeValue(namespace: namespace, name: name)
        // Deleting: remove what owner references cannot, then release the finalizer.
        if raw[path: "metadata", "deletionTimestamp"] != nil {
            priceGauges.remove(namespace: namespace, name: name)
            return try await finalize(raw, routeLabel: routeLabel, logger: logger)
        }
        let previous = statusMemo.previous("\(namespace)/\(name)", resourceVersion: raw[path: "metadata", "resourceVersion"]?.stringValue,
                                           stored: Self.previousStatus(raw))
        let facts = RouteFacts(raw: raw, namespace: namespace, name: name)

        // Decode: an invalid spec applies nothing; status says why.
        let route: SemanticRoute
        switch SemanticRouteDecoder.decode(Self.specOnly(raw)) {
        case .failure(let failure):
            priceGauges.remove(namespace: namespace, name: name)
            logger.info("spec is invalid; nothing applied", metadata: ["errors": "\(failure.errors.count)"])
            try await report(raw, inputs: facts.inputs(specErrors: failure.errors, snapshot: snapshot),
                             previous: previous, failures: [])
            return .awaitChange
        case .success(let decoded):
            route = decoded
        }
        // Target: a field the installed AI Gateway release lacks is reported like a spec error; nothing is applied.
        let unsupported = renderer.unsupported(route)
        guard unsupported.isEmpty else {
            priceGauges.remove(namespace: namespace, name: name)
            logger.info("spec needs a newer AI Gateway release; nothing applied",
                        metadata: ["errors": "\(unsupported.count)", "aigw.target": "\(renderer.options.aiGateway)"])
            try await report(raw, inputs: facts.inputs(specErrors: unsupported, snapshot: snapshot),
                             previous: previous, failures: [])
            return .awaitChange
        }

        // Claims: an older route on the same Gateway that claims one of this route's model names wins; this one
        // then renders nothing and prunes what it applied before.
        if let conflict = modelConflict(raw) {
            priceGauges.remove(namespace: namespace, name: name)
            return try await yieldModelNames(raw, to: conflict, route: route, facts: facts, routeLabel: routeLabel,
                                             previous: previous, logger: logger)
        }

        priceGauges.update(route)

        // Rollouts: each one's step, from status, a user's command and, when a step is due, Prometheus.
        let rollouts = await advanceRollouts(route, raw: raw, previous: previous, logger: logger)

        // Render, with the applied-hash annotation each object is compared by.
        let planner = ApplyPlanner(routeLabel: routeLabel)
        let prepared = planner.prepared(renderer.render(route, rolloutWeights: rollouts.weights))

        // Finalizer: on before anything is written that garbage collection cannot remove.
        if try await addFinalizerIfNeeded(raw, prepared: prepared, logger: logger) { return .requeue(after: .zero) }

        // References: what the spec names but does not own (Gateway, Secrets, Services).
        let references = RouteReference.all(of: route)
        let missing = missing(references)

        // Apply: only what differs from the stores.
        let applied = await apply(prepared, planner: planner, gateway: references[0], raw: raw, logger: logger)
        var failures = applied.failures

        // Prune: only once everything rendered is in place, so a rename never leaves a gap.
        if applied.outcomes.values.allSatisfy(\.isInPlace) {
            failures += await prune(planner: planner, desired: applied.plans.map(\.key), raw: raw)
        }

        // Status: computed from all of the above, written only when it changed; then the rollouts' Events.
        var inputs = facts.inputs(route: route, missing: missing, applied: applied, snapshot: snapshot)
        inputs.rollouts = rollouts.statuses
        try await report(raw, inputs: inputs, previous: previous, failures: failures)
        await finishRollouts(rollouts, raw: raw, logger: logger)
        guard failures.isEmpty else { throw ReconcileError(failures) }
        if let next = rollouts.nextAnalysis {
            return .requeue(after: .seconds(max(1, next - clock())))
        }
        return .awaitChange
    }

    /// The references that do not resolve in the stores.
    func missing(_ references: [RouteReference]) -> [MissingReference] {
        ReferenceResolver(servedKinds: snapshot.servedReferenceKinds(), watchedNamespaces: watchedNamespaces) { kind, ns, name in
            snapshot.referenced(kind, namespace: ns, name: name)
        }.missing(references)
    }

    func emit(_ raw: JSONValue, _ type: RouteEvent.EventType, reason: String, action: String, note: String) async {
        await events.record(RouteEvent(
            namespace: raw[path: "metadata", "namespace"]?.stringValue ?? "",
            name: raw[path: "metadata", "name"]?.stringValue ?? "",
            uid: raw[path: "metadata", "uid"]?.stringValue, type: type, reason: reason, action: action, note: note))
    }

    static func previousStatus(_ raw: JSONValue) -> SemanticRouteStatus? {
        guard let status = raw["status"], case .object = status else { return nil }
        return try? status.decode(SemanticRouteStatus.self)
    }

    /// The route as strict decoding sees it: its status is ours, so it is not part of what the user wrote.
    static func specOnly(_ raw: JSONValue) -> JSONValue {
        guard case .object(var object) = raw else { return raw }
        object["status"] = nil
        return .object(object)
    }
}

/// What one reconcile knows of a route before it decodes the spec: enough to report status either way.
struct RouteFacts {
    let generation: Int64
    let namespace: String
    /// The classifier Deployment (named from the route's name alone, so known for an invalid spec too).
    let deployment: ObjectRef

    init(raw: JSONValue, namespace: String, name: String) {
        generation = raw[path: "metadata", "generation"]?.intValue ?? 0
        self.namespace = namespace
        deployment = ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: namespace,
                               name: RouteNames.classifier(route: name))
    }

    func inputs(specErrors: [FieldError], snapshot: any ClusterSnapshot) -> StatusInputs {
        StatusInputs(generation: generation, namespace: namespace, specErrors: specErrors,
                     deployment: snapshot.managed(deployment), deploymentName: deployment.name)
    }

    func inputs(route: SemanticRoute, missing: [MissingReference], applied: RouteReconciler.Applied,
                snapshot: any ClusterSnapshot) -> StatusInputs {
        var upstream: [ObjectRef: UpstreamAcceptance] = [:]
        for plan in applied.plans {
            if let live = snapshot.managed(plan.key), let verdict = UpstreamAcceptance.of(live) { upstream[plan.key] = verdict }
        }
        return StatusInputs(
            generation: generation, namespace: namespace, decisions: route.spec.decisions?.count ?? 0,
            backends: route.spec.backends.count, missing: missing, desired: applied.plans.map(\.key),
            outcomes: applied.outcomes, upstream: upstream, deployment: snapshot.managed(deployment),
            deploymentName: deployment.name)
    }
}
