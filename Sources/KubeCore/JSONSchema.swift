/// The subset of OpenAPI v3 that Kubernetes structural schemas use (apiextensions.k8s.io/v1
/// `JSONSchemaProps`), as a value: built in Swift for our CRD, or read from an upstream CRD.
public struct JSONSchema: Sendable, Hashable {
    /// A `x-kubernetes-validations` entry (a CEL rule). Validated by kube-apiserver, not by us.
    public struct ValidationRule: Sendable, Hashable {
        public var rule: String
        public var message: String?
        public var messageExpression: String?
        public var fieldPath: String?
        public var reason: String?
        public init(_ rule: String, message: String? = nil, fieldPath: String? = nil, reason: String? = nil) {
            self.rule = rule
            self.message = message
            self.fieldPath = fieldPath
            self.reason = reason
        }
    }

    public var type: String?
    public var description: String?
    public var format: String?
    public var title: String?
    public var propertyOrder: [String] = []
    public var properties: [String: JSONSchema] = [:]
    public var required: [String] = []
    private var boxedItems: [JSONSchema] = []
    /// `additionalProperties`: `nil` (absent), `.allowed(Bool)` or `.schema(…)`.
    public var additionalProperties: AdditionalProperties?
    public var enumValues: [JSONValue]?
    public var pattern: String?
    public var minimum: Double?
    public var maximum: Double?
    public var exclusiveMinimum = false
    public var exclusiveMaximum = false
    public var multipleOf: Double?
    public var minLength: Int?
    public var maxLength: Int?
    public var minItems: Int?
    public var maxItems: Int?
    public var uniqueItems = false
    public var minProperties: Int?
    public var maxProperties: Int?
    public var nullable = false
    public var defaultValue: JSONValue?
    public var example: JSONValue?
    public var allOf: [JSONSchema] = []
    public var anyOf: [JSONSchema] = []
    public var oneOf: [JSONSchema] = []
    private var boxedNot: [JSONSchema] = []
    public var preserveUnknownFields = false
    public var intOrString = false
    public var embeddedResource = false
    public var listType: String?
    public var listMapKeys: [String]?
    public var mapType: String?
    public var validations: [ValidationRule] = []

    public indirect enum AdditionalProperties: Sendable, Hashable {
        case allowed(Bool)
        case schema(JSONSchema)
    }

    public init(type: String? = nil, description: String? = nil) {
        self.type = type
        self.description = description
    }

    public var items: JSONSchema? {
        get { boxedItems.first }
        set { boxedItems = newValue.map { [$0] } ?? [] }
    }

    public var not: JSONSchema? {
        get { boxedNot.first }
        set { boxedNot = newValue.map { [$0] } ?? [] }
    }

    /// Properties in declaration order.
    public var orderedProperties: [(name: String, schema: JSONSchema)] {
        propertyOrder.compactMap { name in properties[name].map { (name, $0) } }
    }

    /// Adds or replaces a property, keeping first-declaration order.
    public mutating func setProperty(_ name: String, _ schema: JSONSchema) {
        if properties.updateValue(schema, forKey: name) == nil { propertyOrder.append(name) }
    }

    /// The schema of a map's values (`additionalProperties: {…}`), if this is a map.
    public var mapValues: JSONSchema? {
        if case .schema(let s) = additionalProperties { return s }
        return nil
    }
}

// MARK: - JSON form

extension JSONSchema {
    public enum ParseError: Error, CustomStringConvertible {
        case notAnObject(FieldPath)
        case badField(FieldPath, String)
        public var description: String {
            switch self {
            case .notAnObject(let p): "\(p): a schema must be an object"
            case .badField(let p, let why): "\(p): \(why)"
            }
        }
    }

    /// Reads a `JSONSchemaProps` object, e.g. a CRD version's `schema.openAPIV3Schema`.
    public init(json: JSONValue, path: FieldPath = .root) throws {
        guard let o = json.objectValue else { throw ParseError.notAnObject(path) }
        self.init()
        type = o["type"]?.stringValue
        description = o["description"]?.stringValue
        format = o["format"]?.stringValue
        title = o["title"]?.stringValue
        if let props = o["properties"]?.objectValue {
            for (name, value) in props { setProperty(name, try JSONSchema(json: value, path: path / "properties" / name)) }
        }
        required = o["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let items = o["items"] { self.items = try JSONSchema(json: items, path: path / "items") }
        switch o["additionalProperties"] {
        case .bool(let b)?: additionalProperties = .allowed(b)
        case .object?: additionalProperties = .schema(try JSONSchema(json: o["additionalProperties"]!, path: path / "additionalProperties"))
        default: break
        }
        enumValues = o["enum"]?.arrayValue
        pattern = o["pattern"]?.stringValue
        minimum = o["minimum"]?.doubleValue
        maximum = o["maximum"]?.doubleValue
        exclusiveMinimum = o["exclusiveMinimum"]?.boolValue ?? false
        exclusiveMaximum = o["exclusiveMaximum"]?.boolValue ?? false
        multipleOf = o["multipleOf"]?.doubleValue
        minLength = o["minLength"]?.intValue.map(Int.init)
        maxLength = o["maxLength"]?.intValue.map(Int.init)
        minItems = o["minItems"]?.intValue.map(Int.init)
        maxItems = o["maxItems"]?.intValue.map(Int.init)
        uniqueItems = o["uniqueItems"]?.boolValue ?? false
        minProperties = o["minProperties"]?.intValue.map(Int.init)
        maxProperties = o["maxProperties"]?.intValue.map(Int.init)
        nullable = o["nullable"]?.boolValue ?? false
        defaultValue = o["default"]
        example = o["example"]
        allOf = try (o["allOf"]?.arrayValue ?? []).enumerated().map { try JSONSchema(json: $1, path: (path / "allOf")[$0]) }
        anyOf = try (o["anyOf"]?.arrayValue ?? []).enumerated().map { try JSONSchema(json: $1, path: (path / "anyOf")[$0]) }
        oneOf = try (o["oneOf"]?.arrayValue ?? []).enumerated().map { try JSONSchema(json: $1, path: (path / "oneOf")[$0]) }
        if let n = o["not"] { not = try JSONSchema(json: n, path: path / "not") }
        preserveUnknownFields = o["x-kubernetes-preserve-unknown-fields"]?.boolValue ?? false
        intOrString = o["x-kubernetes-int-or-string"]?.boolValue ?? false
        embeddedResource = o["x-kubernetes-embedded-resource"]?.boolValue ?? false
        listType = o["x-kubernetes-list-type"]?.stringValue
        listMapKeys = o["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue)
        mapType = o["x-kubernetes-map-type"]?.stringValue
        validations = (o["x-kubernetes-validations"]?.arrayValue ?? []).compactMap { v in
            guard let rule = v["rule"]?.stringValue else { return nil }
            var r = ValidationRule(rule, message: v["message"]?.stringValue, fieldPath: v["fieldPath"]?.stringValue,
                                   reason: v["reason"]?.stringValue)
            r.messageExpression = v["messageExpression"]?.stringValue
            return r
        }
    }

    /// The `JSONSchemaProps` object, keys in the order controller-gen writes them (alphabetical).
    public var json: JSONValue {
        var o: [(String, JSONValue)] = []
        if let additionalProperties {
            switch additionalProperties {
            case .allowed(let b): o.append(("additionalProperties", .bool(b)))
            case .schema(let s): o.append(("additionalProperties", s.json))
            }
        }
        if !allOf.isEmpty { o.append(("allOf", .array(allOf.map(\.json)))) }
        if !anyOf.isEmpty { o.append(("anyOf", .array(anyOf.map(\.json)))) }
        if let defaultValue { o.append(("default", defaultValue)) }
        if let description { o.append(("description", .string(description))) }
        if let enumValues { o.append(("enum", .array(enumValues))) }
        if let example { o.append(("example", example)) }
        if exclusiveMaximum { o.append(("exclusiveMaximum", true)) }
        if exclusiveMinimum { o.append(("exclusiveMinimum", true)) }
        if let format { o.append(("format", .string(format))) }
        if let items { o.append(("items", items.json)) }
        if let maxItems { o.append(("maxItems", JSONValue(maxItems))) }
        if let maxLength { o.append(("maxLength", JSONValue(maxLength))) }
        if let maxProperties { o.append(("maxProperties", JSONValue(maxProperties))) }
        if let maximum { o.append(("maximum", Self.number(maximum))) }
        if let minItems { o.append(("minItems", JSONValue(minItems))) }
        if let minLength { o.append(("minLength", JSONValue(minLength))) }
        if let minProperties { o.append(("minProperties", JSONValue(minProperties))) }
        if let minimum { o.append(("minimum", Self.number(minimum))) }
        if let multipleOf { o.append(("multipleOf", Self.number(multipleOf))) }
        if let not { o.append(("not", not.json)) }
        if nullable { o.append(("nullable", true)) }
        if !oneOf.isEmpty { o.append(("oneOf", .array(oneOf.map(\.json)))) }
        if let pattern { o.append(("pattern", .string(pattern))) }
        if !propertyOrder.isEmpty {
            o.append(("properties", .object(JSONObject(propertyOrder.sorted().map { ($0, properties[$0]!.json) }))))
        }
        if !required.isEmpty { o.append(("required", JSONValue(required))) }
        if let title { o.append(("title", .string(title))) }
        if let type { o.append(("type", .string(type))) }
        if uniqueItems { o.append(("uniqueItems", true)) }
        if embeddedResource { o.append(("x-kubernetes-embedded-resource", true)) }
        if intOrString { o.append(("x-kubernetes-int-or-string", true)) }
        if let listMapKeys { o.append(("x-kubernetes-list-map-keys", JSONValue(listMapKeys))) }
        if let listType { o.append(("x-kubernetes-list-type", .string(listType))) }
        if let mapType { o.append(("x-kubernetes-map-type", .string(mapType))) }
        if preserveUnknownFields { o.append(("x-kubernetes-preserve-unknown-fields", true)) }
        if !validations.isEmpty {
            o.append(("x-kubernetes-validations", .array(validations.map { r in
                var v: [(String, JSONValue)] = []
                if let fieldPath = r.fieldPath { v.append(("fieldPath", .string(fieldPath))) }
                if let message = r.message { v.append(("message", .string(message))) }
                if let messageExpression = r.messageExpression { v.append(("messageExpression", .string(messageExpression))) }
                if let reason = r.reason { v.append(("reason", .string(reason))) }
                v.append(("rule", .string(r.rule)))
                return .object(JSONObject(v))
            })))
        }
        return .object(JSONObject(o))
    }

    private static func number(_ d: Double) -> JSONValue {
        d == d.rounded() && abs(d) < 9e15 ? .int(Int64(d)) : .double(d)
    }
}
