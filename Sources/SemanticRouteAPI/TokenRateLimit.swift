import KubeCore

/// A token budget per client (or for everyone), charged from AI Gateway's usage metadata.
public struct TokenRateLimit: Sendable, Hashable, Codable {
    public enum Tokens: String, Sendable, Hashable, Codable, CaseIterable {
        case input = "Input"
        case output = "Output"
        case total = "Total"

        /// AIGatewayRoute `llmRequestCosts[].type`.
        public var costType: String {
            switch self {
            case .input: "InputToken"
            case .output: "OutputToken"
            case .total: "TotalToken"
            }
        }

        /// The dynamic-metadata key AI Gateway writes the count under (we name it in `llmRequestCosts`).
        public var metadataKey: String {
            switch self {
            case .input: "llm_input_token"
            case .output: "llm_output_token"
            case .total: "llm_total_token"
            }
        }
    }

    public enum Window: String, Sendable, Hashable, Codable, CaseIterable {
        case second = "Second"
        case minute = "Minute"
        case hour = "Hour"
        case day = "Day"
    }

    public var name: String
    public var tokens: Tokens
    public var limit: Int
    public var window: Window
    public var clientHeader: String?

    public init(name: String, tokens: Tokens, limit: Int, window: Window, clientHeader: String? = nil) {
        self.name = name
        self.tokens = tokens
        self.limit = limit
        self.window = window
        self.clientHeader = clientHeader
    }

    static var schema: JSONSchema {
        .object("A token budget, enforced by Envoy Gateway's global rate limiter (needs Redis) and charged with the token counts AI Gateway reports.",
                required: ["name", "tokens", "limit", "window"], [
            "name": .string("Names the limit (a DNS label).", pattern: Patterns.dnsLabel, maxLength: 63),
            "tokens": .string("Which tokens count.", enum: Tokens.allCases.map(\.rawValue)),
            "limit": .integer("Tokens allowed per window (per client when `clientHeader` is set).", minimum: 1, maximum: 4_294_967_295, format: "int64"),
            "window": .string("The window the budget refills over.", enum: Window.allCases.map(\.rawValue)),
            "clientHeader": .string("A request header identifying the client (e.g. `x-user-id`); each distinct value gets its own budget. Without it the budget is shared by all clients.",
                                    pattern: Patterns.headerName, maxLength: 256),
        ])
    }
}
