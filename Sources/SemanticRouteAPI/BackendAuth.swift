import KubeCore

/// How AI Gateway authenticates to a backend: exactly one member, rendered as a BackendSecurityPolicy
/// that *references* the Secret (never copies it).
public struct BackendAuth: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case apiKey, anthropicAPIKey, azureAPIKey, awsCredentials, azureCredentials, gcpCredentials

        /// The BackendSecurityPolicy `spec.type`.
        public var policyType: String {
            switch self {
            case .apiKey: "APIKey"
            case .anthropicAPIKey: "AnthropicAPIKey"
            case .azureAPIKey: "AzureAPIKey"
            case .awsCredentials: "AWSCredentials"
            case .azureCredentials: "AzureCredentials"
            case .gcpCredentials: "GCPCredentials"
            }
        }

        /// The Secret key AI Gateway reads for this kind.
        public var secretKey: String {
            switch self {
            case .apiKey, .anthropicAPIKey, .azureAPIKey: "apiKey"
            case .awsCredentials: "credentials"
            case .azureCredentials: "client-secret"
            case .gcpCredentials: "service_account.json"
            }
        }
    }

    public struct APIKey: Sendable, Hashable, Codable {
        public var secretRef: SecretKeyReference
        public init(secretRef: SecretKeyReference) { self.secretRef = secretRef }
    }

    public struct AWSCredentials: Sendable, Hashable, Codable {
        public var region: String
        public var secretRef: SecretKeyReference?
        public var profile: String?
        public init(region: String, secretRef: SecretKeyReference? = nil, profile: String? = nil) {
            self.region = region
            self.secretRef = secretRef
            self.profile = profile
        }
    }

    public struct AzureCredentials: Sendable, Hashable, Codable {
        public var clientID: String
        public var tenantID: String
        public var clientSecretRef: SecretKeyReference
        public init(clientID: String, tenantID: String, clientSecretRef: SecretKeyReference) {
            self.clientID = clientID
            self.tenantID = tenantID
            self.clientSecretRef = clientSecretRef
        }
    }

    public struct GCPCredentials: Sendable, Hashable, Codable {
        public var projectName: String
        public var region: String
        public var secretRef: SecretKeyReference?
        public init(projectName: String, region: String, secretRef: SecretKeyReference? = nil) {
            self.projectName = projectName
            self.region = region
            self.secretRef = secretRef
        }
    }

    public var apiKey: APIKey?
    public var anthropicAPIKey: APIKey?
    public var azureAPIKey: APIKey?
    public var awsCredentials: AWSCredentials?
    public var azureCredentials: AzureCredentials?
    public var gcpCredentials: GCPCredentials?

    public init(apiKey: APIKey? = nil, anthropicAPIKey: APIKey? = nil, azureAPIKey: APIKey? = nil,
                awsCredentials: AWSCredentials? = nil, azureCredentials: AzureCredentials? = nil,
                gcpCredentials: GCPCredentials? = nil) {
        self.apiKey = apiKey
        self.anthropicAPIKey = anthropicAPIKey
        self.azureAPIKey = azureAPIKey
        self.awsCredentials = awsCredentials
        self.azureCredentials = azureCredentials
        self.gcpCredentials = gcpCredentials
    }

    /// The members that are set (valid auth has exactly one).
    public var kinds: [Kind] {
        var out: [Kind] = []
        if apiKey != nil { out.append(.apiKey) }
        if anthropicAPIKey != nil { out.append(.anthropicAPIKey) }
        if azureAPIKey != nil { out.append(.azureAPIKey) }
        if awsCredentials != nil { out.append(.awsCredentials) }
        if azureCredentials != nil { out.append(.azureCredentials) }
        if gcpCredentials != nil { out.append(.gcpCredentials) }
        return out
    }

    /// The referenced Secret with the path of its reference, if the member uses one.
    public var secretReference: (field: String, ref: SecretKeyReference)? {
        if let r = apiKey?.secretRef { return ("apiKey.secretRef", r) }
        if let r = anthropicAPIKey?.secretRef { return ("anthropicAPIKey.secretRef", r) }
        if let r = azureAPIKey?.secretRef { return ("azureAPIKey.secretRef", r) }
        if let r = awsCredentials?.secretRef { return ("awsCredentials.secretRef", r) }
        if let r = azureCredentials?.clientSecretRef { return ("azureCredentials.clientSecretRef", r) }
        if let r = gcpCredentials?.secretRef { return ("gcpCredentials.secretRef", r) }
        return nil
    }

    static var schema: JSONSchema {
        let apiKey = { (what: String, key: String) in
            JSONSchema.object("\(what): a Secret in the route's namespace holding the key under `\(key)`.",
                              required: ["secretRef"], ["secretRef": SecretKeyReference.schema(defaultKey: key)])
        }
        return .object("How AI Gateway authenticates to the backend: exactly one member, rendered as a BackendSecurityPolicy that references the Secret (the Secret is never copied).", [
            "apiKey": apiKey("An API key sent as a bearer token (OpenAI-compatible providers)", "apiKey"),
            "anthropicAPIKey": apiKey("An Anthropic API key (x-api-key header)", "apiKey"),
            "azureAPIKey": apiKey("An Azure OpenAI API key (api-key header)", "apiKey"),
            "awsCredentials": .object("AWS SigV4 signing. Without `secretRef` the pod's identity (IRSA / EKS Pod Identity) is used.",
                                      required: ["region"], [
                "region": .string("The AWS region requests are signed for.", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63),
                "secretRef": SecretKeyReference.schema(defaultKey: "credentials", what: "an AWS credentials file (INI)"),
                "profile": .string("The profile in the credentials file; default `default`.", maxLength: 128),
            ]),
            "azureCredentials": .object("Entra ID (Azure AD) client credentials.", required: ["clientID", "tenantID", "clientSecretRef"], [
                "clientID": .string("The application (client) id.", minLength: 1, maxLength: 128),
                "tenantID": .string("The directory (tenant) id.", minLength: 1, maxLength: 128),
                "clientSecretRef": SecretKeyReference.schema(defaultKey: "client-secret", what: "the client secret"),
            ]),
            "gcpCredentials": .object("Google Cloud credentials for Vertex AI.", required: ["projectName", "region"], [
                "projectName": .string("The GCP project id.", minLength: 1, maxLength: 128),
                "region": .string("The GCP region, e.g. `us-central1`.", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63),
                "secretRef": SecretKeyReference.schema(defaultKey: "service_account.json", what: "a service account key file"),
            ]),
        ])
        .rule("[has(self.apiKey), has(self.anthropicAPIKey), has(self.azureAPIKey), has(self.awsCredentials), has(self.azureCredentials), has(self.gcpCredentials)].filter(x, x).size() == 1",
              "exactly one of apiKey, anthropicAPIKey, azureAPIKey, awsCredentials, azureCredentials, gcpCredentials must be set")
    }
}

/// A reference to one key of a Secret in the route's namespace. AI Gateway reads a fixed key per auth
/// type, so `key` documents (and is checked against) that key rather than choosing it.
public struct SecretKeyReference: Sendable, Hashable, Codable {
    public var name: String
    public var key: String?
    public init(name: String, key: String? = nil) {
        self.name = name
        self.key = key
    }

    static func schema(defaultKey: String, what: String = "the API key") -> JSONSchema {
        .object("A Secret in the route's namespace holding \(what) under the key `\(defaultKey)` (the key AI Gateway reads).",
                required: ["name"], [
            "name": .string("The Secret name.", pattern: Patterns.dnsSubdomain, maxLength: 253),
            "key": .string("The key in the Secret; AI Gateway reads `\(defaultKey)`, so only that value is accepted.", enum: [defaultKey]),
        ])
    }
}
