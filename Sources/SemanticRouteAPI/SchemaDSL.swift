import KubeCore

/// A small vocabulary for writing the CRD schema next to each type, so the generated CRD, `kubectl explain`
/// and `docs/api.md` all read the same descriptions.
extension JSONSchema {
    static func object(_ description: String, required: [String] = [], _ properties: KeyValuePairs<String, JSONSchema>) -> JSONSchema {
        var s = JSONSchema(type: "object", description: description)
        for (name, schema) in properties { s.setProperty(name, schema) }
        s.required = required
        return s
    }

    static func string(_ description: String, pattern: String? = nil, enum values: [String]? = nil,
                       minLength: Int? = nil, maxLength: Int? = nil, default value: String? = nil) -> JSONSchema {
        var s = JSONSchema(type: "string", description: description)
        s.pattern = pattern
        s.enumValues = values?.map(JSONValue.string)
        s.minLength = minLength
        s.maxLength = maxLength
        s.defaultValue = value.map(JSONValue.string)
        return s
    }

    static func integer(_ description: String, minimum: Int? = nil, maximum: Int? = nil, default value: Int? = nil,
                        format: String = "int32") -> JSONSchema {
        var s = JSONSchema(type: "integer", description: description)
        s.format = format
        s.minimum = minimum.map(Double.init)
        s.maximum = maximum.map(Double.init)
        s.defaultValue = value.map(JSONValue.init)
        return s
    }

    static func number(_ description: String, minimum: Double? = nil, maximum: Double? = nil, default value: Double? = nil) -> JSONSchema {
        var s = JSONSchema(type: "number", description: description)
        s.minimum = minimum
        s.maximum = maximum
        s.defaultValue = value.map(JSONValue.double)
        return s
    }

    static func boolean(_ description: String, default value: Bool? = nil) -> JSONSchema {
        var s = JSONSchema(type: "boolean", description: description)
        s.defaultValue = value.map(JSONValue.bool)
        return s
    }

    static func array(_ description: String, of items: JSONSchema, minItems: Int? = nil, maxItems: Int? = nil,
                      listType: String? = nil, mapKeys: [String]? = nil) -> JSONSchema {
        var s = JSONSchema(type: "array", description: description)
        s.items = items
        s.minItems = minItems
        s.maxItems = maxItems
        s.listType = listType
        s.listMapKeys = mapKeys
        return s
    }

    static func map(_ description: String, of values: JSONSchema, maxProperties: Int? = nil) -> JSONSchema {
        var s = JSONSchema(type: "object", description: description)
        s.additionalProperties = .schema(values)
        s.maxProperties = maxProperties
        return s
    }

    /// A Go-style duration such as `30s`, `1m30s` or `500ms` (the Gateway API's Duration format).
    static func duration(_ description: String, default value: String? = nil) -> JSONSchema {
        .string(description, pattern: GoDuration.pattern, default: value)
    }

    /// An integer or a string such as `100m` / `128Mi` (a resource.Quantity).
    static func quantity(_ description: String) -> JSONSchema {
        var s = JSONSchema(description: description)
        s.intOrString = true
        s.anyOf = [JSONSchema(type: "integer"), JSONSchema(type: "string")]
        s.pattern = #"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"#
        return s
    }

    /// Adds a CEL rule (`x-kubernetes-validations`).
    func rule(_ rule: String, _ message: String, fieldPath: String? = nil, reason: String? = nil) -> JSONSchema {
        var s = self
        s.validations.append(ValidationRule(rule, message: message, fieldPath: fieldPath, reason: reason))
        return s
    }

    func withDefault(_ value: JSONValue) -> JSONSchema {
        var s = self
        s.defaultValue = value
        return s
    }
}

/// Patterns shared by several fields.
enum Patterns {
    /// RFC 1123 DNS label, as Kubernetes object names in most kinds.
    static let dnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
    /// RFC 1123 subdomain.
    static let dnsSubdomain = #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"#
    /// A Gateway API hostname, optionally with a leading wildcard label.
    static let hostname = #"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"#
    /// An HTTP header name token (RFC 7230).
    static let headerName = "^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$"
}
