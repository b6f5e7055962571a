import KubeCore

/// The Gateway (and listener) the route attaches to.
public struct GatewayReference: Sendable, Hashable, Codable {
    public var name: String
    public var namespace: String?
    public var listener: String?

    public init(name: String, namespace: String? = nil, listener: String? = nil) {
        self.name = name
        self.namespace = namespace
        self.listener = listener
    }

    public static let defaultListener = "http"

    static var schema: JSONSchema {
        .object("The Gateway (managed by Envoy Gateway) the route attaches to, and the listener whose HTTP filters get the classifier.",
                required: ["name"], [
            "name": .string("The Gateway name.", pattern: Patterns.dnsSubdomain, maxLength: 253),
            "namespace": .string("The Gateway namespace; defaults to the route's.", pattern: Patterns.dnsLabel, maxLength: 63),
            "listener": .string("The listener (section) name. The classifier's ext_proc filter is inserted first in this listener's HTTP filter chain; it must be a plain-HTTP listener.",
                                pattern: Patterns.dnsLabel, maxLength: 63, default: defaultListener),
        ])
    }
}
