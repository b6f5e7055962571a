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

        /// OpenAI and Anthropic use `prefix`; all others use `version` (AI Gateway v1.1.0).
        public var usesPrefix: Bool { self == .openAI || self == .anthropic }
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
            "name": .string("The AI Gateway schema name.", enum: Name.allCases.map(\.rawValue)),
            "version": .string("The API version, for schemas other than OpenAI and Anthropic (e.g. `2025-01-01-preview` for AzureOpenAI, `v2` for Cohere).", maxLength: 64),
            "prefix": .string("The path prefix, for the OpenAI and Anthropic schemas (e.g. `/v1`, `/openai/v1`).", pattern: "^(/[^\\s?#]*)?$", maxLength: 128),
        ])
    }
}
