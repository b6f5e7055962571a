/// One problem with one field, shaped like apimachinery's `field.Error`: the path first, then why.
/// `description` reads `spec.backends[0].name: Invalid value: "Foo": must be a DNS label`.
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of kube-apiserver's `field.ErrorType`, with the same wording in messages.
    public enum Kind: String, Sendable, Hashable {
        case required = "Required value"
        case forbidden = "Forbidden"
        case invalid = "Invalid value"
        case notFound = "Not found"
        case notSupported = "Unsupported value"
        case duplicate = "Duplicate value"
        case tooLong = "Too long"
        case tooMany = "Too many"
        case typeInvalid = "Invalid type"
        case unknownField = "Unknown field"

        /// The words kube-apiserver prints for this kind (a type error reads `Invalid value`, as in apimachinery).
        public var label: String { self == .typeInvalid ? "Invalid value" : rawValue }

        /// The `reason` kube-apiserver puts into a `Status` cause for this kind.
        public var causeReason: String {
            switch self {
            case .required: "FieldValueRequired"
            case .forbidden: "FieldValueForbidden"
            case .invalid: "FieldValueInvalid"
            case .notFound: "FieldValueNotFound"
            case .notSupported: "FieldValueNotSupported"
            case .duplicate: "FieldValueDuplicate"
            case .tooLong: "FieldValueTooLong"
            case .tooMany: "FieldValueTooMany"
            case .typeInvalid: "FieldValueTypeInvalid"
            case .unknownField: "FieldValueInvalid"
            }
        }
    }

    public var path: FieldPath
    public var kind: Kind
    /// The offending value, already rendered for humans (quoted strings); `nil` when not useful.
    public var value: String?
    public var detail: String

    public init(_ kind: Kind, _ path: FieldPath, value: String? = nil, _ detail: String = "") {
        self.kind = kind
        self.path = path
        self.value = value
        self.detail = detail
    }

    public static func invalid(_ path: FieldPath, _ value: String?, _ detail: String) -> FieldError {
        FieldError(.invalid, path, value: value, detail)
    }
    public static func required(_ path: FieldPath, _ detail: String = "") -> FieldError {
        FieldError(.required, path, detail)
    }
    public static func forbidden(_ path: FieldPath, _ detail: String) -> FieldError {
        FieldError(.forbidden, path, detail)
    }
    public static func duplicate(_ path: FieldPath, _ value: String) -> FieldError {
        FieldError(.duplicate, path, value: value)
    }

    /// The message after the path, e.g. `Invalid value: "x": must be …`.
    public var message: String {
        var out = kind.label
        if let value { out += ": " + value }
        if !detail.isEmpty { out += ": " + detail }
        return out
    }

    public var description: String { "\(path): \(message)" }

    /// Renders a JSON value the way Go's `%#v`-ish field errors do: strings quoted, others bare.
    public static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): "\"\(s)\""
        case .object, .array:
            JSONWriter.string(value).count > 80 ? String(JSONWriter.string(value).prefix(77)) + "..." : JSONWriter.string(value)
        default: JSONWriter.string(value)
        }
    }
}

extension Array where Element == FieldError {
    /// One line per problem, in path order, as `semroute validate` prints them.
    public var lines: [String] { map(\.description) }
}
