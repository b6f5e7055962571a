/// The condition types of a SemanticRoute's status (DESIGN §2).
public enum ConditionType: String, Sendable, Hashable, CaseIterable {
    case accepted = "Accepted"
    case resolvedRefs = "ResolvedRefs"
    case programmed = "Programmed"
    case classifierAvailable = "ClassifierAvailable"
    case ready = "Ready"
    /// Only on a route with rollouts; not part of Ready.
    case rolloutsProgressing = "RolloutsProgressing"
}

/// Every reason a SemanticRoute condition can carry: a closed PascalCase set, documented in
/// docs/operations.md with what to do about each.
public enum ConditionReason: String, Sendable, Hashable, CaseIterable {
    // Accepted
    case valid = "Valid"
    case invalid = "Invalid"
    /// An older route on the same Gateway claims one of this route's model names (see ``ModelConflict``). Also
    /// the reason of every other condition of such a route: it renders nothing.
    case modelConflict = "ModelConflict"
    // ResolvedRefs
    case resolvedRefs = "ResolvedRefs"
    case gatewayNotFound = "GatewayNotFound"
    case listenerNotFound = "ListenerNotFound"
    case secretNotFound = "SecretNotFound"
    case secretKeyNotFound = "SecretKeyNotFound"
    case serviceNotFound = "ServiceNotFound"
    case servicePortNotFound = "ServicePortNotFound"
    case kindNotInstalled = "KindNotInstalled"
    case namespaceNotWatched = "NamespaceNotWatched"
    // Programmed
    case applied = "Applied"
    case applyFailed = "ApplyFailed"
    case upstreamNotAccepted = "NotAccepted"
    case nameConflict = "NameConflict"
    // ClassifierAvailable
    case minimumReplicasAvailable = "MinimumReplicasAvailable"
    case minimumReplicasUnavailable = "MinimumReplicasUnavailable"
    case deploymentNotFound = "DeploymentNotFound"
    /// The classifier Deployment has `spec.replicas: 0` (e.g. `kubectl scale sroute NAME --replicas=0`).
    case scaledToZero = "ScaledToZero"
    // Ready
    case ready = "Ready"
    case refsNotResolved = "RefsNotResolved"
    case notProgrammed = "NotProgrammed"
    case classifierUnavailable = "ClassifierUnavailable"
    // RolloutsProgressing
    case rolloutProgressing = "Progressing"
    case rolloutsSucceeded = "Succeeded"
    case rolloutPaused = "Paused"
    case rolloutAborted = "Aborted"
    case prometheusUnavailable = "PrometheusUnavailable"
    // Any condition that cannot be evaluated for an invalid spec.
    case specInvalid = "SpecInvalid"
}
