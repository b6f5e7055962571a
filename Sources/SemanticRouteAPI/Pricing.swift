import KubeCore

/// What a backend costs, per million tokens, for money budgets (`rateLimits[].budget`). Prices are decimal
/// strings, so they are exact: `0.15` is fifteen hundredths, not the nearest binary float.
public struct Pricing: Sendable, Hashable, Codable {
    public var input: String
    public var output: String
    public var currency: String?

    public init(input: String, output: String, currency: String? = nil) {
        self.input = input
        self.output = output
        self.currency = currency
    }

    public static let defaultCurrency = "USD"
    /// At most six integer digits and three decimals: a price is exact in thousandths of a currency unit per
    /// million tokens, which is billionths (nano-units) per token.
    public static let pricePattern = #"^[0-9]{1,6}(\.[0-9]{1,3})?$"#
    public static let currencyPattern = "^[A-Z]{3}$"

    public var effectiveCurrency: String { currency ?? Self.defaultCurrency }

    /// The input price in billionths of the currency per token (`0.15` per million → 150); nil if malformed.
    public var inputNanosPerToken: UInt64? { Self.thousandths(input) }
    public var outputNanosPerToken: UInt64? { Self.thousandths(output) }

    /// A decimal with at most three decimals, times 1000, exactly: `2.5` → 2500, `10` → 10000.
    public static func thousandths(_ decimal: String) -> UInt64? { fixedPoint(decimal, decimals: 3) }

    /// `decimal` times 10^`decimals`, exactly, when it has at most that many decimals and fits; nil otherwise.
    public static func fixedPoint(_ decimal: String, decimals: Int) -> UInt64? {
        let parts = decimal.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let whole = UInt64(parts[0]) else { return nil }
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        var fraction: UInt64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...decimals).contains(digits.count),
                  let value = UInt64(digits.padding(toLength: decimals, withPad: "0", startingAt: 0)) else { return nil }
            fraction = value
        }
        let (product, overflow) = whole.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        return product + fraction
    }

    static var schema: JSONSchema {
        .object("The backend's price per million tokens, for money budgets (`rateLimits[].budget`). Decimal strings with at most three decimals, e.g. `\"0.15\"`.",
                required: ["input", "output"], [
            "input": .string("The price of one million input (prompt) tokens, cached ones included.", pattern: pricePattern, maxLength: 10),
            "output": .string("The price of one million output (completion) tokens, reasoning ones included.", pattern: pricePattern, maxLength: 10),
            "currency": .string("An ISO 4217 code; every priced backend and every budget of a route use the same one.",
                                pattern: currencyPattern, maxLength: 3, default: defaultCurrency),
        ])
    }
}
