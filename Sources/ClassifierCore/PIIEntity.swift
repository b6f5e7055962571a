/// The personal-data types the detector finds; raw values are the config's entity names and the
/// redaction placeholders (`[EMAIL]`).
enum PIIEntity: String, Sendable, CaseIterable, Hashable, Comparable {
    case email = "EMAIL"
    case phone = "PHONE"
    case creditCard = "CREDIT_CARD"
    case usSSN = "US_SSN"
    case ipAddress = "IP_ADDRESS"
    case iban = "IBAN"

    var placeholder: String { "[\(rawValue)]" }

    static func < (a: PIIEntity, b: PIIEntity) -> Bool { a.rawValue < b.rawValue }
}

/// One entity found in a text: its type and UTF-8 byte range.
struct PIIMatch: Sendable, Hashable {
    var entity: PIIEntity
    var range: Range<Int>
}
