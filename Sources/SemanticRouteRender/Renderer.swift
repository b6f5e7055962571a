import ClassifierConfig
import KubeCore
import SemanticRouteAPI

/// SemanticRoute → the objects Envoy AI Gateway, Envoy Gateway and the classifier need. Pure and
/// deterministic: no I/O, no clock, no randomness; the same route gives byte-identical output.
/// The route must have passed ``SemanticRouteDecoder`` / ``SemanticRouteValidator``.
public struct Renderer: Sendable {
    public struct Options: Sendable, Hashable {
        /// The image of the classifier Deployment when the route names none (the operator's own image).
        public var classifierImage: String
        /// The HTTP body buffer limit set on the Gateway (the classifier and AI Gateway read whole bodies).
        public var bufferLimit: String
        /// The classifier container's resources when the route sets none (`--classifier-resources`).
        public var classifierResources: ClassifierSpec.Resources
        /// The AI Gateway release the objects target (``AIGatewayVersion``): v1.1 renders nothing v1.1 lacks.
        public var aiGateway: AIGatewayVersion

        public static let defaultClassifierImage = "ghcr.io/semroute/semroute:0.1.0"
        public static let defaultClassifierResources = ClassifierSpec.Resources(
            requests: ["cpu": .string("100m"), "memory": .string("256Mi")])

        public init(classifierImage: String = Options.defaultClassifierImage, bufferLimit: String = "50Mi",
                    classifierResources: ClassifierSpec.Resources = Options.defaultClassifierResources,
                    aiGateway: AIGatewayVersion = .v1_1) {
            self.classifierImage = classifierImage
            self.bufferLimit = bufferLimit
            self.classifierResources = classifierResources
            self.aiGateway = aiGateway
        }
    }

    public var options: Options

    public init(options: Options = Options()) { self.options = options }

    /// Every desired object, in apply order. `rolloutWeights` gives each rollout's candidate percentage by rollout
    /// name (the operator's state machine decides it); a rollout it does not name renders at its first step.
    public func render(_ route: SemanticRoute, rolloutWeights: [String: Int] = [:]) -> [DesiredObject] {
        let context = RenderContext(route: route.defaulted(), options: options, rolloutWeights: rolloutWeights)
        var objects: [DesiredObject] = []
        objects += context.classifierObjects()
        objects += context.backendObjects()
        objects.append(context.aiGatewayRoute())
        objects.append(context.backendTrafficPolicy())
        objects.append(context.clientTrafficPolicy())
        objects.append(context.envoyPatchPolicy())
        return objects.sorted(by: DesiredObject.precedes)
    }
}

/// The defaulted route plus derived names; each object family is an extension in its own file.
struct RenderContext {
    let route: SemanticRoute
    let spec: SemanticRouteSpec
    let names: RouteNames
    let options: Renderer.Options
    let rolloutWeights: [String: Int]

    init(route: SemanticRoute, options: Renderer.Options, rolloutWeights: [String: Int] = [:]) {
        self.route = route
        self.spec = route.spec
        self.names = RouteNames(route)
        self.options = options
        self.rolloutWeights = rolloutWeights
    }

    /// Objects in the route's namespace are owned by it (garbage-collected with it); objects elsewhere
    /// are cleaned up by the operator's finalizer. No owner reference without a uid (offline render).
    /// A `routeNeutral` object (the ClientTrafficPolicy every route on a Gateway shares) carries neither the
    /// route label nor an owner reference, so every route sharing it renders the identical object.
    func metadata(name: String, namespace: String, labels extra: [(String, JSONValue)] = [],
                  annotations: [(String, JSONValue)] = [], routeNeutral: Bool = false) -> JSONValue {
        var labels = JSONObject(names.commonLabels(routeNeutral: routeNeutral))
        for (k, v) in extra { labels[k] = v }
        var meta = JSONObject([("name", .string(name)), ("namespace", .string(namespace)), ("labels", .object(labels))])
        if !annotations.isEmpty { meta["annotations"] = .object(JSONObject(annotations)) }
        if !routeNeutral, namespace == route.namespace, let uid = route.metadata.uid, !uid.isEmpty {
            let owner = OwnerReference(apiVersion: SemanticRoute.apiVersion, kind: SemanticRoute.kind, name: route.name,
                                       uid: uid, controller: true, blockOwnerDeletion: true)
            meta["ownerReferences"] = [owner.json]
        }
        return .object(meta)
    }

    func object(_ resource: APIResource, name: String, namespace: String? = nil,
                labels: [(String, JSONValue)] = [], annotations: [(String, JSONValue)] = [], routeNeutral: Bool = false,
                spec: JSONValue, specKey: String = "spec") -> DesiredObject {
        let ns = namespace ?? route.namespace
        let apiVersion = resource.apiVersion, kind = resource.kind
        let body: JSONValue = .object(JSONObject([
            ("apiVersion", .string(apiVersion)), ("kind", .string(kind)),
            ("metadata", metadata(name: name, namespace: ns, labels: labels, annotations: annotations,
                                  routeNeutral: routeNeutral)),
            (specKey, spec),
        ]))
        return DesiredObject(apiVersion: apiVersion, kind: kind, name: name, namespace: ns, body: body)
    }

    var decisions: [Decision] { spec.decisions ?? [] }

    /// Decisions in evaluation order: descending priority, list order among equals.
    var orderedDecisions: [Decision] {
        decisions.enumerated().sorted { a, b in
            let pa = a.element.priority ?? 0, pb = b.element.priority ?? 0
            return pa != pb ? pa > pb : a.offset < b.offset
        }.map(\.element)
    }

    func backend(named name: String) -> Backend? { spec.backends.first { $0.name == name } }
}
