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

    /// A spending limit: the route's backends' `pricing` turns each response's token counts into money.
    public struct Budget: Sendable, Hashable, Codable {
        public var amount: String
        public var currency: String?

        public init(amount: String, currency: String? = nil) {
            self.amount = amount
            self.currency = currency
        }

        /// The budget in millionths of the currency (`50.00` → 50,000,000), the unit the limiter counts in;
        /// nil if malformed.
        public var micros: UInt64? { Pricing.fixedPoint(amount, decimals: 6) }

        public var effectiveCurrency: String { currency ?? Pricing.defaultCurrency }
    }

    public var name: String
    public var tokens: Tokens?
    public var limit: Int?
    public var budget: Budget?
    public var window: Window
    public var clientHeader: String?

    public init(name: String, tokens: Tokens, limit: Int, window: Window, clientHeader: String? = nil) {
        self.name = name
        self.tokens = tokens
        self.limit = limit
        self.window = window
        self.clientHeader = clientHeader
    }

    public init(name: String, budget: Budget, window: Window, clientHeader: String? = nil) {
        self.name = name
        self.budget = budget
        self.window = window
        self.clientHeader = clientHeader
    }

    /// The largest budget per window: Envoy Gateway counts at most 4,294,967,295 units, here millionths.
    public static let maxBudgetMicros: UInt64 = 4_294_967_295
    public static let budgetPattern = #"^[0-9]{1,4}(\.[0-9]{1,6})?$"#

    static var schema: JSONSchema {
        .object("A token budget or a money budget, enforced by Envoy Gateway's global rate limiter (needs Redis) and charged after each response with what AI Gateway reports. Set either `tokens` and `limit`, or `budget`.",
                required: ["name", "window"], [
            "name": .string("Names the limit (a DNS label).", pattern: Patterns.dnsLabel, maxLength: 63),
            "tokens": .string("Which tokens count (a token budget).", enum: Tokens.allCases.map(\.rawValue)),
            "limit": .integer("Tokens allowed per window (per client when `clientHeader` is set).", minimum: 1, maximum: 4_294_967_295, format: "int64"),
            "budget": .object("Money allowed per window (per client when `clientHeader` is set): each response costs its input and output tokens at its backend's `pricing`, counted in millionths of the currency and rounded up per response. Every backend of the route needs `pricing`. At most 4294.967295 per window (Envoy Gateway counts at most 4,294,967,295 units).",
                              required: ["amount"], [
                "amount": .string("The amount, a decimal string with at most six decimals, e.g. `\"25.00\"`.", pattern: budgetPattern, maxLength: 11),
                "currency": .string("An ISO 4217 code, the same as the backends' pricing.", pattern: Pricing.currencyPattern, maxLength: 3, default: Pricing.defaultCurrency),
            ]),
            "window": .string("The window the budget refills over.", enum: Window.allCases.map(\.rawValue)),
            "clientHeader": .string("A request header identifying the client (e.g. `x-user-id`); each distinct value gets its own budget. Without it the budget is shared by all clients.",
                                    pattern: Patterns.headerName, maxLength: 256),
        ])
        .rule("has(self.budget) ? !has(self.tokens) && !has(self.limit) : has(self.tokens) && has(self.limit)",
              "set tokens and limit (a token budget) or budget (a money budget), not both", fieldPath: ".budget")
    }
}
