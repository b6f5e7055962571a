import KubeCore
import SemanticRouteAPI

/// Everything the status of one route is computed from; gathered by the reconciler, evaluated purely.
public struct StatusInputs: Sendable {
    /// `metadata.generation` of the route this status describes.
    public var generation: Int64
    /// The route's namespace (managed objects elsewhere name their namespace in status).
    public var namespace: String
    /// Spec problems (strict decode + cross-field rules); empty when the spec is valid.
    public var specErrors: [FieldError]
    /// `spec.decisions` / `spec.backends` counts of a valid spec.
    public var decisions: Int?
    public var backends: Int?
    /// An older route on the same Gateway holds some of this route's model names: it is not accepted and
    /// renders nothing (``desired`` is empty).
    public var conflict: ModelConflict?
    /// References that do not resolve.
    public var missing: [MissingReference]
    /// The rendered objects, in apply order, and what happened to each.
    public var desired: [ObjectRef]
    public var outcomes: [ObjectRef: ApplyOutcome]
    /// The upstream controllers' verdicts on the rendered objects that have one.
    public var upstream: [ObjectRef: UpstreamAcceptance]
    /// The live classifier Deployment, if it exists.
    public var deployment: JSONValue?
    /// The classifier Deployment's name (known even when the spec is invalid).
    public var deploymentName: String
    /// Where each rollout stands after this reconcile; nil when they were not run (invalid spec, conflict):
    /// status then keeps what it had.
    public var rollouts: [RolloutStatus]?

    public init(generation: Int64, namespace: String, specErrors: [FieldError] = [], decisions: Int? = nil, backends: Int? = nil,
                conflict: ModelConflict? = nil, missing: [MissingReference] = [], desired: [ObjectRef] = [], outcomes: [ObjectRef: ApplyOutcome] = [:],
                upstream: [ObjectRef: UpstreamAcceptance] = [:], deployment: JSONValue? = nil, deploymentName: String) {
        self.generation = generation
        self.namespace = namespace
        self.specErrors = specErrors
        self.decisions = decisions
        self.backends = backends
        self.conflict = conflict
        self.missing = missing
        self.desired = desired
        self.outcomes = outcomes
        self.upstream = upstream
        self.deployment = deployment
        self.deploymentName = deploymentName
    }
}
