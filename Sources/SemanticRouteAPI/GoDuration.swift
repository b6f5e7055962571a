/// A duration written the Go / Gateway API way (`1h30m`, `30s`, `500ms`), kept as written and parsed to
/// milliseconds. Only the units the Gateway API accepts (`h`, `m`, `s`, `ms`) are allowed.
public struct GoDuration: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public static let pattern = "^([0-9]{1,5}(h|m|s|ms)){1,4}$"

    public let text: String
    /// `nil` when `text` does not match the format.
    public let milliseconds: Int64?

    public init(_ text: String) {
        self.text = text
        self.milliseconds = Self.parse(text)
    }

    public init(stringLiteral value: String) { self.init(value) }

    public init(from decoder: Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }

    public var description: String { text }
    public var seconds: Double? { milliseconds.map { Double($0) / 1000 } }

    static func parse(_ text: String) -> Int64? {
        var total: Int64 = 0
        var digits = ""
        var groups = 0
        let chars = Array(text)
        guard !chars.isEmpty else { return nil }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isASCII, c.isNumber {
                digits.append(c)
                i += 1
                continue
            }
            guard !digits.isEmpty, digits.count <= 5, let n = Int64(digits) else { return nil }
            let unit: Int64
            if c == "m", i + 1 < chars.count, chars[i + 1] == "s" { unit = 1; i += 2 }
            else if c == "h" { unit = 3_600_000; i += 1 }
            else if c == "m" { unit = 60_000; i += 1 }
            else if c == "s" { unit = 1000; i += 1 }
            else { return nil }
            total += n * unit
            digits = ""
            groups += 1
        }
        guard digits.isEmpty, groups >= 1, groups <= 4 else { return nil }
        return total
    }
}
