import KubeCore
import Logging
import PrometheusQuery
import SemanticRouteAPI
import SemanticRouteRender

extension RouteReconciler {
    /// The rollouts' round in one reconcile: their new states, the weights to render, the transitions to record
    /// as Events, the command annotations acted on (removed after the status write), and when the next
    /// analysis is due.
    struct RolloutRound: Sendable {
        var statuses: [RolloutStatus] = []
        var weights: [String: Int] = [:]
        var transitions: [RolloutTransition] = []
        /// Annotation key → the value acted on (removed only while it still has that value).
        var handledCommands: [(key: String, value: String)] = []
        var nextAnalysis: Int64?
    }

    /// Runs every rollout of the route one round: restore its state from status, act on a user's command, and
    /// when a step is due, ask Prometheus and judge it. Nothing is written here.
    func advanceRollouts(_ route: SemanticRoute, raw: JSONValue, previous: SemanticRouteStatus?, logger: Logger) async -> RolloutRound {
        var round = RolloutRound()
        // No defaulting needed (it would cost every reconcile of every route): a rollout's effective accessors
        // (decision, steps, interval, thresholds) apply the defaults themselves.
        guard let rollouts = route.spec.rollouts, !rollouts.isEmpty else { return round }
        let now = clock()
        let annotations = raw[path: "metadata", "annotations"]?.objectValue
        for rollout in rollouts {
            let machine = RolloutStateMachine(rollout: rollout, now: now)
            var (state, started) = machine.restore(previous?.rollouts?.first { $0.name == rollout.name })
            if let started { round.transitions.append(started) }
            if let text = annotations?[rollout.commandAnnotation]?.stringValue {
                round.handledCommands.append((rollout.commandAnnotation, text))
                if let command = RolloutCommand(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) {
                    let transition: RolloutTransition
                    (state, transition) = machine.apply(command, to: state)
                    round.transitions.append(transition)
                } else {
                    round.transitions.append(RolloutTransition(
                        reason: "RolloutCommandUnknown", warning: true,
                        message: "annotation \(rollout.commandAnnotation)=\(text) is not a command: use pause, resume, restart, promote or abort"))
                }
            }
            let attemptKey = "\(route.namespace)/\(route.name)/\(rollout.name)"
            if let due = machine.analysisDue(state, lastAttempt: rolloutAttempts.last(attemptKey)), due <= now {
                let transition: RolloutTransition?
                (state, transition) = await analyse(state, machine: machine, route: route, logger: logger)
                if let transition { round.transitions.append(transition) }
                rolloutAttempts.record(attemptKey, at: now)
            }
            round.statuses.append(state)
            round.weights[rollout.name] = state.weight
            if let due = machine.analysisDue(state, lastAttempt: rolloutAttempts.last(attemptKey)) {
                round.nextAnalysis = min(round.nextAnalysis ?? due, due)
            }
        }
        return round
    }

    func analyse(_ state: RolloutStatus, machine: RolloutStateMachine, route: SemanticRoute,
                 logger: Logger) async -> (RolloutStatus, RolloutTransition?) {
        guard let analyzer = rolloutAnalyzer else {
            return machine.unavailable(state, error: "the operator has no Prometheus to ask (set --prometheus-url)")
        }
        let rollout = machine.rollout
        let names = RouteNames(route)
        let decision = rollout.effectiveDecision
        // The default decision's requests also arrive under the virtual model and its aliases (failOpen).
        var originals = [names.alias(decision)]
        if decision == RouteNames.defaultDecision { originals += [route.spec.model] + (route.spec.aliases ?? []) }
        let model = { (backend: String) in route.spec.backends.first { $0.name == backend }?.model ?? backend }
        let subject = RolloutAnalyzer.Subject(originalModels: originals, stableModel: model(rollout.stable),
                                              candidateModel: model(rollout.candidate),
                                              windowSeconds: machine.window(state), at: machine.now)
        do {
            let measurement = try await analyzer.measure(subject)
            logger.debug("rollout analysed", metadata: [
                "rollout": "\(rollout.name)", "candidate.requests": "\(measurement.candidateRequests)",
                "candidate.errors": "\(measurement.candidateErrors)", "stable.requests": "\(measurement.stableRequests)",
            ])
            return machine.judge(state, measurement)
        } catch {
            logger.warning("Prometheus query failed; the rollout holds", metadata: ["rollout": "\(rollout.name)", "error": "\(error.message)"])
            return machine.unavailable(state, error: error.message)
        }
    }

    /// After the status write: an Event per transition, and the acted-on command annotations removed.
    func finishRollouts(_ round: RolloutRound, raw: JSONValue, logger: Logger) async {
        for t in round.transitions {
            await emit(raw, t.warning ? .warning : .normal, reason: t.reason, action: "Rollout", note: t.message)
        }
        guard !round.handledCommands.isEmpty else { return }
        let namespace = raw[path: "metadata", "namespace"]?.stringValue ?? ""
        let name = raw[path: "metadata", "name"]?.stringValue ?? ""
        for command in round.handledCommands {
            do {
                try await writer.removeAnnotation(namespace: namespace, name: name, key: command.key, ifValue: command.value)
            } catch {
                // A user changed the annotation since it was read (the next reconcile acts on the new command), or
                // the removal failed (the command is seen again: most commands are then ignored, saying why).
                logger.warning("could not remove a rollout command annotation", metadata: ["annotation": "\(command.key)", "error": "\(error)"])
            }
        }
    }
}
