/// The provider presets of a backend: each fixes the AI Gateway schema, the kinds of auth it accepts and,
/// for hosted providers, the default endpoint. See `docs/providers.md`.
public enum ProviderPreset: String, Sendable, Hashable, Codable, CaseIterable {
    case openAI = "OpenAI"
    case awsBedrock = "AWSBedrock"
    case awsAnthropic = "AWSAnthropic"
    /// OpenAI models on Amazon Bedrock (e.g. `openai.gpt-oss-120b-1:0`), through AI Gateway's AWSOpenAI schema,
    /// which Envoy AI Gateway v1.2 added.
    case awsOpenAI = "AWSOpenAI"
    case azureOpenAI = "AzureOpenAI"
    case gemini = "Gemini"
    case gcpVertexAI = "GCPVertexAI"
    case gcpAnthropic = "GCPAnthropic"
    case groq = "Groq"
    case grok = "Grok"
    case togetherAI = "TogetherAI"
    case cohere = "Cohere"
    case mistral = "Mistral"
    case deepInfra = "DeepInfra"
    case deepSeek = "DeepSeek"
    case hunyuan = "Hunyuan"
    case tencentLKE = "TencentLKE"
    case tars = "TARS"
    case sambaNova = "SambaNova"
    case anthropic = "Anthropic"
    case selfHosted = "SelfHosted"

    /// The AIServiceBackend schema this preset speaks unless `backend.schema` overrides it.
    public var schema: APISchema {
        switch self {
        case .openAI, .grok, .togetherAI, .mistral, .deepSeek, .hunyuan, .tencentLKE, .tars, .sambaNova, .selfHosted:
            APISchema(name: .openAI, prefix: "/v1")
        case .awsBedrock: APISchema(name: .awsBedrock)
        case .awsAnthropic: APISchema(name: .awsAnthropic, version: "bedrock-2023-05-31")
        case .awsOpenAI: APISchema(name: .awsOpenAI)
        case .azureOpenAI: APISchema(name: .azureOpenAI, version: "2025-01-01-preview")
        case .gemini: APISchema(name: .openAI, prefix: "/v1beta/openai")
        case .gcpVertexAI: APISchema(name: .gcpVertexAI)
        case .gcpAnthropic: APISchema(name: .gcpAnthropic, version: "vertex-2023-10-16")
        case .groq: APISchema(name: .openAI, prefix: "/openai/v1")
        case .cohere: APISchema(name: .cohere, version: "v2")
        case .deepInfra: APISchema(name: .openAI, prefix: "/v1/openai")
        case .anthropic: APISchema(name: .anthropic)
        }
    }

    /// The default base URL; `REGION` is replaced by the backend's region. `nil`: an endpoint is required.
    public var defaultEndpoint: String? {
        switch self {
        case .openAI: "https://api.openai.com"
        case .awsBedrock, .awsAnthropic, .awsOpenAI: "https://bedrock-runtime.REGION.amazonaws.com"
        case .azureOpenAI: nil
        case .gemini: "https://generativelanguage.googleapis.com"
        case .gcpVertexAI, .gcpAnthropic: "https://REGION-aiplatform.googleapis.com"
        case .groq: "https://api.groq.com"
        case .grok: "https://api.x.ai"
        case .togetherAI: "https://api.together.ai"
        case .cohere: "https://api.cohere.com"
        case .mistral: "https://api.mistral.ai"
        case .deepInfra: "https://api.deepinfra.com"
        case .deepSeek: "https://api.deepseek.com"
        case .hunyuan: "https://api.hunyuan.cloud.tencent.com"
        case .tencentLKE: "https://api.lkeap.cloud.tencent.com"
        case .tars: "https://api.router.tetrate.ai"
        case .sambaNova: "https://api.sambanova.ai"
        case .anthropic: "https://api.anthropic.com"
        case .selfHosted: nil
        }
    }

    /// Whether the default endpoint needs `region`.
    public var needsRegion: Bool { defaultEndpoint?.contains("REGION") ?? false }

    /// The auth members this preset accepts; the first is the one its table row names.
    public var allowedAuth: [BackendAuth.Kind] {
        switch self {
        case .awsBedrock, .awsAnthropic, .awsOpenAI: [.awsCredentials]
        case .azureOpenAI: [.azureCredentials, .azureAPIKey]
        case .gcpVertexAI, .gcpAnthropic: [.gcpCredentials]
        case .anthropic: [.anthropicAPIKey]
        case .selfHosted: [.apiKey]
        default: [.apiKey]
        }
    }

    /// Whether a backend of this preset must carry `auth`.
    public var requiresAuth: Bool { self != .selfHosted }
}
