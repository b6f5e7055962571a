import KubeCore

/// The wire schema AI Gateway translates to (an AIServiceBackend's `spec.schema`).
public struct APISchema: Sendable, Hashable, Codable {
    public enum Name: String, Sendable, Hashable, Codable, CaseIterable {
        case openAI = "OpenAI"
        case cohere = "Cohere"
        case awsBedrock = "AWSBedrock"
        case azureOpenAI = "AzureOpenAI"
        case gcpVertexAI = "GCPVertexAI"
        case gcpAnthropic = "GCPAnthropic"
        case anthropic = "Anthropic"
        case awsAnthropic = "AWSAnthropic"
        /// OpenAI models served by Amazon Bedrock (AI Gateway v1.2 and later).
        case awsOpenAI = "AWSOpenAI"

        /// OpenAI, Anthropic and AWSOpenAI use `prefix`; all others use `version`.
        public var usesPrefix: Bool { self == .openAI || self == .anthropic || self == .awsOpenAI }
    }

    public var name: Name
    public var version: String?
    public var prefix: String?

    public init(name: Name, version: String? = nil, prefix: String? = nil) {
        self.name = name
        self.version = version
        self.prefix = prefix
    }

    static var schema: JSONSchema {
        .object("Overrides the preset's AI Gateway API schema, e.g. `{name: OpenAI, prefix: /openai/v1}` for Azure's OpenAI-compatible endpoint.",
                required: ["name"], [
            "name": .string("The AI Gateway schema name. `AWSOpenAI` needs Envoy AI Gateway v1.2 or later.", enum: Name.allCases.map(\.rawValue)),
            "version": .string("The API version, for schemas other than OpenAI and Anthropic (e.g. `2025-01-01-preview` for AzureOpenAI, `v2` for Cohere).", maxLength: 64),
            "prefix": .string("The path prefix, for the OpenAI, Anthropic and AWSOpenAI schemas (e.g. `/v1`, `/openai/v1`).", pattern: "^(/[^\\s?#]*)?$", maxLength: 128),
        ])
    }
}
