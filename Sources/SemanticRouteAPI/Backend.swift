import KubeCore

/// An upstream model: a self-hosted service or a cloud provider, and the model id it is asked for.
public struct Backend: Sendable, Hashable, Codable {
    public var name: String
    public var model: String
    public var provider: ProviderPreset
    public var schema: APISchema?
    public var region: String?
    public var endpoint: BackendEndpoint?
    public var auth: BackendAuth?
    public var pricing: Pricing?

    public init(name: String, model: String, provider: ProviderPreset, schema: APISchema? = nil, region: String? = nil,
                endpoint: BackendEndpoint? = nil, auth: BackendAuth? = nil, pricing: Pricing? = nil) {
        self.name = name
        self.model = model
        self.provider = provider
        self.schema = schema
        self.region = region
        self.endpoint = endpoint
        self.auth = auth
        self.pricing = pricing
    }

    /// The schema AI Gateway uses: the override, else the preset's.
    public var effectiveSchema: APISchema { schema ?? provider.schema }

    static var schema: JSONSchema {
        .object("An upstream model: where it is served, which provider API it speaks and how to authenticate.",
                required: ["name", "model", "provider"], [
            "name": .string("Names the backend within the route (a DNS label); rendered objects are named `<route>-<name>`.",
                            pattern: Patterns.dnsLabel, minLength: 1, maxLength: 40),
            "model": .string("The provider's model id sent upstream (the AIGatewayRoute's `modelNameOverride`), e.g. `gpt-4o-mini` or `Qwen/Qwen2.5-Math-7B-Instruct`.",
                             minLength: 1, maxLength: 256),
            "provider": .string("A provider preset. It fixes the AI Gateway schema, the accepted auth and, for hosted providers, the default endpoint. `AWSOpenAI` needs Envoy AI Gateway v1.2 or later.",
                                enum: ProviderPreset.allCases.map(\.rawValue)),
            "schema": APISchema.schema,
            "region": .string("The cloud region, for the AWS and GCP presets (builds the regional endpoint), e.g. `us-east-1`.",
                              pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63),
            "endpoint": BackendEndpoint.schema,
            "auth": BackendAuth.schema,
            "pricing": Pricing.schema,
        ])
        .rule("self.provider != 'SelfHosted' || has(self.endpoint)", "a SelfHosted backend needs an endpoint", fieldPath: ".endpoint")
        .rule("self.provider != 'AzureOpenAI' || has(self.endpoint)", "an AzureOpenAI backend needs an endpoint (https://RESOURCE.openai.azure.com)", fieldPath: ".endpoint")
        .rule("!(self.provider in \(presets(where: \.needsRegion))) || has(self.region) || has(self.endpoint)",
              "this provider needs a region or an endpoint", fieldPath: ".region")
        .rule("self.provider == 'SelfHosted' || has(self.auth)", "a hosted provider needs auth", fieldPath: ".auth")
        .rule("!has(self.auth) || !(self.provider in \(presets { $0.allowedAuth == [.awsCredentials] })) || has(self.auth.awsCredentials)",
              "AWS presets take auth.awsCredentials", fieldPath: ".auth")
        .rule("!has(self.auth) || !(self.provider in \(presets { $0.allowedAuth == [.gcpCredentials] })) || has(self.auth.gcpCredentials)",
              "GCP presets take auth.gcpCredentials", fieldPath: ".auth")
        .rule("!has(self.auth) || self.provider != 'AzureOpenAI' || has(self.auth.azureCredentials) || has(self.auth.azureAPIKey)",
              "AzureOpenAI takes auth.azureCredentials or auth.azureAPIKey", fieldPath: ".auth")
        .rule("!has(self.auth) || self.provider != 'Anthropic' || has(self.auth.anthropicAPIKey)",
              "Anthropic takes auth.anthropicAPIKey", fieldPath: ".auth")
        .rule("!has(self.auth) || self.provider in \(presets { !$0.allowedAuth.contains(.apiKey) }) || has(self.auth.apiKey)",
              "this provider takes auth.apiKey", fieldPath: ".auth")
    }
}

/// The presets that satisfy `test`, as a CEL list literal (`['AWSBedrock', 'AWSAnthropic']`): the rules above are
/// written from the presets' own properties, so a new preset cannot miss one.
private func presets(where test: (ProviderPreset) -> Bool) -> String {
    "[" + ProviderPreset.allCases.filter(test).map { "'\($0.rawValue)'" }.joined(separator: ", ") + "]"
}

/// Where a backend is reached: exactly one of an in-cluster Service or an external URL.
public struct BackendEndpoint: Sendable, Hashable, Codable {
    public struct ServiceReference: Sendable, Hashable, Codable {
        public var name: String
        public var namespace: String?
        public var port: Int
        public init(name: String, namespace: String? = nil, port: Int) {
            self.name = name
            self.namespace = namespace
            self.port = port
        }
    }

    public var service: ServiceReference?
    public var url: String?

    public init(service: ServiceReference? = nil, url: String? = nil) {
        self.service = service
        self.url = url
    }

    static var schema: JSONSchema {
        .object("Where the backend is reached: exactly one of `service` (in-cluster, plain HTTP) or `url` (external; `https` implies TLS with the system CAs and SNI). Optional for hosted presets that have a default endpoint.", [
            "service": .object("An in-cluster Service, reached over plain HTTP.", required: ["name", "port"], [
                "name": .string("The Service name.", pattern: Patterns.dnsLabel, maxLength: 63),
                "namespace": .string("The Service namespace; defaults to the route's.", pattern: Patterns.dnsLabel, maxLength: 63),
                "port": .integer("The Service port.", minimum: 1, maximum: 65535),
            ]),
            "url": .string("An external base URL, `http://` or `https://` host[:port], with no path (the API path comes from the schema), e.g. `https://my-resource.openai.azure.com`.",
                           pattern: #"^https?://[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?/?$"#, maxLength: 253),
        ])
        .rule("has(self.service) != has(self.url)", "exactly one of service or url must be set")
    }
}
