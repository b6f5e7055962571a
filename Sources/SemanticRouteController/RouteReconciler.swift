import Foundation
import KubeCore
import Logging
import SemanticRouteAPI
import SemanticRouteRender

/// One reconcile of one SemanticRoute: read the stores, decide, write only what differs, report status.
/// Level-based and idempotent: it does not care why it was called.
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
    /// The last status written per route, until the route store has it (see ``StatusWriteMemo``).
    let statusMemo = StatusWriteMemo()

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

    public func reconcile(namespace: String, name: String) async throws(ReconcileError) -> ReconcileResult {
        var logger = logger
        logger[metadataKey: "k8s.namespace"] = "\(namespace)"
        logger[metadataKey: "k8s.name"] = "\(name)"
        guard let raw = snapshot.route(namespace: namespace, name: name) else {
            statusMemo.forget("\(namespace)/\(name)")
            logger.debug("route is gone; owner references and its finalizer cleaned up after it")
            return .done
        }
        let routeLabel = RouteLabels.routeValue(namespace: namespace, name: name)
        if raw[path: "metadata", "deletionTimestamp"] != nil {
            return try await finalize(raw, routeLabel: routeLabel, logger: logger)
        }
        let previous = statusMemo.previous("\(namespace)/\(name)", resourceVersion: raw[path: "metadata", "resourceVersion"]?.stringValue,
                                           stored: Self.previousStatus(raw))
        let generation = raw[path: "metadata", "generation"]?.intValue ?? 0
        let deploymentName = DNSName.shortened("\(name)-classifier")
        let deploymentKey = ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: namespace, name: deploymentName)

        let route: SemanticRoute
        switch SemanticRouteDecoder.decode(Self.specOnly(raw)) {
        case .failure(let failure):
            logger.info("spec is invalid; nothing applied", metadata: ["errors": "\(failure.errors.count)"])
            let inputs = StatusInputs(generation: generation, namespace: namespace, specErrors: failure.errors,
                                      deployment: snapshot.managed(deploymentKey), deploymentName: deploymentName)
            try await report(raw, inputs: inputs, previous: previous, failures: [])
            return .done
        case .success(let decoded):
            route = decoded
        }

        let planner = ApplyPlanner(routeLabel: routeLabel)
        let prepared = planner.prepared(renderer.render(route))
        if RouteFinalizer.needed(prepared), !RouteFinalizer.has(raw) {
            do {
                _ = try await writer.setFinalizers(namespace: namespace, name: name,
                                                   RouteFinalizer.finalizers(of: raw, adding: true),
                                                   resourceVersion: raw[path: "metadata", "resourceVersion"]?.stringValue)
            } catch {
                await emit(raw, .warning, reason: "FinalizerFailed", action: "AddFinalizer", note: error.description)
                throw ReconcileError([error])
            }
            logger.debug("finalizer added")
            return .requeue(after: .zero)
        }

        let references = RouteReference.all(of: route)
        let resolver = ReferenceResolver(servedKinds: snapshot.servedReferenceKinds(),
                                         watchedNamespaces: watchedNamespaces) { kind, ns, name in
            snapshot.referenced(kind, namespace: ns, name: name)
        }
        let missing = resolver.missing(references)
        let gateway = references[0]
        let userPolicy = SharedPolicyPlanner.userPolicy(
            for: gateway.namespacedName, among: snapshot.clientTrafficPolicies(namespace: gateway.namespace))
        let plans = planner.plan(prepared, live: { snapshot.managed($0) }, userClientTrafficPolicy: userPolicy)

        var outcomes: [ObjectRef: ApplyOutcome] = [:]
        var failures: [APIFailure] = []
        for plan in plans {
            let outcome = await execute(plan, planner: planner)
            outcomes[plan.key] = outcome
            switch outcome {
            case .failed(let reason, let message):
                failures.append(APIFailure(code: 0, reason: reason, message: message))
                await emit(raw, .warning, reason: "ApplyFailed", action: "Apply", note: "\(plan.key): \(message)")
            case .rejected(let code, let message):
                await emit(raw, .warning, reason: "ApplyRejected", action: "Apply",
                           note: "\(plan.key) rejected by the API server (\(code)): \(message)")
            case .nameConflict:
                await emit(raw, .warning, reason: "NameConflict", action: "Apply",
                           note: "\(plan.key) exists and is not managed by this route; left untouched")
            case .applied:
                logger.debug("applied", metadata: ["object": "\(plan.key)"])
            case .unchanged, .skipped:
                break
            }
        }

        // Prune only once everything rendered is in place, so a rename never leaves a gap.
        if outcomes.values.allSatisfy(\.isInPlace) {
            var stale = planner.prune(desired: plans.map(\.key), live: snapshot.managedObjects(routeLabel: routeLabel))
            if seesEveryRoute {
                // Only the routes on those policies' Gateways decide (an index lookup, not every route per reconcile).
                let policies = snapshot.managedClientTrafficPolicies()
                let gateways = Set(policies.compactMap(SharedPolicyPlanner.gateway(ofPolicy:)))
                stale += SharedPolicyPlanner.unused(managed: policies, routes: gateways.sorted().flatMap(snapshot.routes(onGateway:)))
            }
            for key in stale {
                do {
                    try await writer.delete(key)
                    await emit(raw, .normal, reason: "Pruned", action: "Prune", note: "\(key) is no longer rendered; deleted")
                } catch {
                    failures.append(error)
                    await emit(raw, .warning, reason: "PruneFailed", action: "Prune", note: "\(key): \(error.message)")
                }
            }
        }

        var upstream: [ObjectRef: UpstreamAcceptance] = [:]
        for plan in plans {
            if let live = snapshot.managed(plan.key), let verdict = UpstreamAcceptance.of(live) { upstream[plan.key] = verdict }
        }
        let inputs = StatusInputs(
            generation: generation, namespace: namespace, decisions: route.spec.decisions?.count ?? 0,
            backends: route.spec.backends.count, missing: missing, desired: plans.map(\.key), outcomes: outcomes,
            upstream: upstream, deployment: snapshot.managed(deploymentKey), deploymentName: deploymentName)
        try await report(raw, inputs: inputs, previous: previous, failures: failures)
        guard failures.isEmpty else { throw ReconcileError(failures) }
        return .done
    }

    /// Runs one plan; failures become outcomes (reported in status), never thrown past the loop.
    func execute(_ plan: ApplyPlan, planner: ApplyPlanner) async -> ApplyOutcome {
        do {
            switch plan.action {
            case .unchanged: return .unchanged
            case .nameConflict: return .nameConflict
            case .skip(let message): return .skipped(message: message)
            case .apply:
                _ = try await writer.apply(plan.key, plan.body)
                return .applied
            case .checkThenApply:
                if let live = try await writer.get(plan.key) {
                    switch planner.action(for: plan.key, body: plan.body, live: live) {
                    case .nameConflict: return .nameConflict
                    case .unchanged: return .unchanged
                    default: break
                    }
                }
                _ = try await writer.apply(plan.key, plan.body)
                return .applied
            }
        } catch {
            if error.isRejection { return .rejected(code: error.code, message: error.message) }
            return .failed(reason: error.reason, message: error.message)
        }
    }

    /// Deletion: remove what owner references cannot, then let the route go.
    func finalize(_ raw: JSONValue, routeLabel: String, logger: Logger) async throws(ReconcileError) -> ReconcileResult {
        guard RouteFinalizer.has(raw) else { return .done }
        let namespace = raw[path: "metadata", "namespace"]?.stringValue ?? ""
        let name = raw[path: "metadata", "name"]?.stringValue ?? ""
        let cleanup = RouteFinalizer.cleanup(
            routeLabel: routeLabel,
            managed: snapshot.managedObjects(routeLabel: routeLabel) + (seesEveryRoute ? snapshot.managedClientTrafficPolicies() : []),
            routes: snapshot.routes(), deleting: raw)
        var failures: [APIFailure] = []
        for key in cleanup {
            do {
                try await writer.delete(key)
                logger.debug("deleted on cleanup", metadata: ["object": "\(key)"])
            } catch {
                failures.append(error)
                await emit(raw, .warning, reason: "CleanupFailed", action: "Cleanup", note: "\(key): \(error.message)")
            }
        }
        guard failures.isEmpty else { throw ReconcileError(failures) }
        do {
            _ = try await writer.setFinalizers(namespace: namespace, name: name,
                                               RouteFinalizer.finalizers(of: raw, adding: false),
                                               resourceVersion: raw[path: "metadata", "resourceVersion"]?.stringValue)
        } catch {
            if error.code == 404 { return .done }
            await emit(raw, .warning, reason: "FinalizerFailed", action: "Cleanup", note: error.description)
            throw ReconcileError([error])
        }
        await emit(raw, .normal, reason: "CleanedUp", action: "Cleanup",
                   note: "deleted \(cleanup.count) object(s) outside owner-reference garbage collection")
        return .done
    }

    /// Computes status, writes it only when it changed, and records an Event for every condition that changed.
    func report(_ raw: JSONValue, inputs: StatusInputs, previous: SemanticRouteStatus?,
                failures: [APIFailure]) async throws(ReconcileError) {
        let status = StatusEvaluator.evaluate(inputs, previous: previous, now: now())
        guard StatusEvaluator.changed(from: previous, to: status) else { return }
        let namespace = raw[path: "metadata", "namespace"]?.stringValue ?? ""
        let name = raw[path: "metadata", "name"]?.stringValue ?? ""
        let json: JSONValue
        do {
            json = try JSONValue.encode(status)
        } catch {
            throw ReconcileError([APIFailure(code: 0, reason: "EncodingFailed", message: "\(error)")])
        }
        do {
            _ = try await writer.writeStatus(namespace: namespace, name: name, json)
            statusMemo.wrote(status, key: "\(namespace)/\(name)", basedOn: raw[path: "metadata", "resourceVersion"]?.stringValue)
        } catch {
            await emit(raw, .warning, reason: "StatusWriteFailed", action: "WriteStatus", note: error.description)
            throw ReconcileError(failures + [error])
        }
        for transition in ConditionTransitions.between(previous?.conditions ?? [], status.conditions ?? []) {
            await emit(raw, transition.status == .true ? .normal : .warning, reason: transition.reason,
                       action: "Reconcile", note: "\(transition.type)=\(transition.status.rawValue): \(transition.message)")
        }
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

/// The conditions whose status or reason changed: each gets an Event.
enum ConditionTransitions {
    static func between(_ old: [Condition], _ new: [Condition]) -> [Condition] {
        new.filter { c in
            guard let before = old[type: c.type] else { return true }
            return before.status != c.status || before.reason != c.reason
        }
    }
}
