import Foundation
import KubeEnvtest
import SemrouteTestSupport
import Testing
@testable import KubeCore

/// Builds a validator from a YAML `openAPIV3Schema`, not a resource root unless asked.
private func validator(_ yaml: String, root: Bool = false) throws -> SchemaValidator {
    SchemaValidator(try JSONSchema(json: try YAMLReader.document(yaml)), isResourceRoot: root)
}

private func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

/// The single error a validation must produce.
private func onlyError(_ v: SchemaValidator, _ value: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) -> FieldError? {
    let errors = v.validate(value)
    #expect(errors.count == 1, "expected one error, got \(errors.lines)", sourceLocation: sourceLocation)
    return errors.first
}

private let objectSchema = """
    type: object
    properties:
      spec:
        type: object
        properties:
          replicas: {type: integer}
          ratio: {type: number}
          name: {type: string}
          enabled: {type: boolean}
          items: {type: array, items: {type: string}}
          labels: {type: object, additionalProperties: {type: string}}
    """

@Suite("SchemaValidator: types", .timeLimit(.minutes(2)))
struct SchemaValidatorTypeTests {
    @Test("a value of the wrong type is reported with kube-openapi's wording")
    func wrongType() throws {
        let v = try validator(objectSchema)
        let e = try #require(onlyError(v, try json(#"{"spec":{"replicas":"3"}}"#)))
        #expect(e.path == "spec.replicas")
        #expect(e.kind == .typeInvalid)
        #expect(e.value == "\"string\"")
        #expect(e.detail == #"spec.replicas in body must be of type integer: "string""#)
        #expect(e.kind.causeReason == "FieldValueTypeInvalid")
    }

    @Test("values of the declared types all pass")
    func rightTypes() throws {
        let v = try validator(objectSchema)
        let ok = try json(#"{"spec":{"replicas":3,"ratio":0.5,"name":"a","enabled":true,"items":["x"],"labels":{"a":"b"}}}"#)
        #expect(v.validate(ok).isEmpty)
    }

    @Test("an integer is a valid number")
    func integerIsNumber() throws {
        #expect(try validator(objectSchema).validate(try json(#"{"spec":{"ratio":2}}"#)).isEmpty)
    }

    @Test("a double with an integral value is not an integer")
    func integralDoubleIsNotInteger() throws {
        let e = try #require(onlyError(try validator(objectSchema), .object(JSONObject([("spec", ["replicas": .double(3)])]))))
        #expect(e.path == "spec.replicas")
        #expect(e.kind == .typeInvalid)
        #expect(e.detail == #"spec.replicas in body must be of type integer: "number""#)
    }

    @Test("every JSON type mismatch is caught", arguments: [
        (#"{"spec":{"name":1}}"#, "spec.name", "string"),
        (#"{"spec":{"enabled":"yes"}}"#, "spec.enabled", "boolean"),
        (#"{"spec":{"items":"x"}}"#, "spec.items", "array"),
        (#"{"spec":{"labels":[]}}"#, "spec.labels", "object"),
        (#"{"spec":{"ratio":"1"}}"#, "spec.ratio", "number"),
        (#"{"spec":{"items":[1]}}"#, "spec.items[0]", "string"),
        (#"{"spec":{"labels":{"a":true}}}"#, "spec.labels.a", "string"),
    ])
    func mismatches(input: String, path: String, type: String) throws {
        let e = try #require(onlyError(try validator(objectSchema), try json(input)))
        #expect(e.path == FieldPath(stringLiteral: path))
        #expect(e.kind == .typeInvalid)
        #expect(e.detail.hasPrefix("\(path) in body must be of type \(type): "))
    }

    @Test("null is refused for a non-nullable field, as kube's 'must be of type X: \"null\"'")
    func nullNotNullable() throws {
        let e = try #require(onlyError(try validator(objectSchema), try json(#"{"spec":{"name":null}}"#)))
        #expect(e.path == "spec.name")
        #expect(e.kind == .typeInvalid)
        #expect(e.value == "\"null\"")
        #expect(e.detail == #"spec.name in body must be of type string: "null""#)
    }

    @Test("null is accepted for a nullable field, and skips the other checks")
    func nullNullable() throws {
        let v = try validator("""
            type: object
            properties:
              name: {type: string, nullable: true, minLength: 3, pattern: '^a'}
            """)
        #expect(v.validate(try json(#"{"name":null}"#)).isEmpty)
    }
}

@Suite("SchemaValidator: keywords", .timeLimit(.minutes(2)))
struct SchemaValidatorKeywordTests {
    @Test("required properties must be present")
    func required() throws {
        let v = try validator("""
            type: object
            properties:
              spec:
                type: object
                required: [name]
                properties: {name: {type: string}}
            """)
        let e = try #require(onlyError(v, try json(#"{"spec":{}}"#)))
        #expect(e.path == "spec.name")
        #expect(e.kind == .required)
        #expect(e.description == "spec.name: Required value")
        #expect(v.validate(try json(#"{"spec":{"name":"x"}}"#)).isEmpty)
        #expect(v.validate(try json(#"{}"#)).isEmpty, "required applies only to present objects")
    }

    @Test("enum lists the supported values")
    func enumValues() throws {
        let v = try validator("""
            type: object
            properties:
              mode: {type: string, enum: [A, B]}
              n: {type: integer, enum: [1, 2]}
            """)
        let e = try #require(onlyError(v, try json(#"{"mode":"x"}"#)))
        #expect(e.path == "mode")
        #expect(e.kind == .notSupported)
        #expect(e.description == #"mode: Unsupported value: "x": supported values: "A", "B""#)
        let n = try #require(onlyError(v, try json(#"{"n":3}"#)))
        #expect(n.description == #"n: Unsupported value: 3: supported values: "1", "2""#)
        #expect(v.validate(try json(#"{"mode":"B","n":2}"#)).isEmpty)
    }

    @Test("pattern is an unanchored RE2-style search")
    func pattern() throws {
        let v = try validator("""
            type: object
            properties:
              name: {type: string, pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$'}
              loose: {type: string, pattern: 'b+'}
            """)
        let e = try #require(onlyError(v, try json(#"{"name":"Foo"}"#)))
        #expect(e.path == "name")
        #expect(e.kind == .invalid)
        #expect(e.description == #"name: Invalid value: "Foo": name in body should match '^[a-z]([-a-z0-9]*[a-z0-9])?$'"#)
        #expect(v.validate(try json(#"{"name":"foo-1","loose":"abbbc"}"#)).isEmpty)
        #expect(v.validate(try json(#"{"loose":"ac"}"#)).count == 1)
    }

    @Test("the validator is safe and consistent when used from many tasks at once")
    func concurrentPatterns() async throws {
        let v = try validator("""
            type: object
            properties:
              name: {type: string, pattern: '^[a-z]+$'}
            """)
        let counts = await withTaskGroup(of: Int.self) { group in
            for n in 0..<64 {
                group.addTask { v.validate(.object(JSONObject([("name", .string(n.isMultiple(of: 2) ? "abc" : "ABC"))]))).count }
            }
            return await group.reduce(0, +)
        }
        #expect(counts == 32)
    }

    @Test("formats: int32 range, date-time, byte, uri, hostname, ipv4, ipv6; unknown formats ignored", arguments: [
        ("int32", "2147483648", false), ("int32", "-2147483648", true), ("int64", "9223372036854775807", true),
        ("date-time", #""2024-05-01T10:00:00Z""#, true), ("date-time", #""2024-05-01T10:00:00.5+02:00""#, true),
        ("date-time", #""yesterday""#, false), ("date-time", #""2024-13-01T10:00:00Z""#, false),
        ("byte", #""aGVsbG8=""#, true), ("byte", #""not base64!""#, false),
        ("uri", #""https://example.com/a?b=c""#, true), ("uri", #""has space""#, false),
        ("hostname", #""api.example.com""#, true), ("hostname", #""-bad-.com""#, false),
        ("ipv4", #""10.0.0.1""#, true), ("ipv4", #""10.0.0.256""#, false),
        ("ipv6", #""fe80::1""#, true), ("ipv6", #""fe80::g""#, false),
        ("cidr", #""10.0.0.0/8""#, true), ("cidr", #""10.0.0.0/33""#, false),
        ("uuid", #""123e4567-e89b-12d3-a456-426614174000""#, true), ("uuid", #""123""#, false),
        ("duration", #""1h30m""#, true), ("duration", #""soon""#, false),
        ("made-up-format", #""anything""#, true),
    ])
    func formats(format: String, literal: String, valid: Bool) throws {
        let type = literal.hasPrefix("\"") ? "string" : "integer"
        let v = try validator("""
            type: object
            properties:
              f: {type: \(type), format: \(format)}
            """)
        let errors = v.validate(try json(#"{"f":\#(literal)}"#))
        if valid {
            #expect(errors.isEmpty, "\(errors.lines)")
        } else {
            let e = try #require(errors.first)
            #expect(errors.count == 1)
            #expect(e.path == "f")
            #expect(e.kind == .typeInvalid)
            #expect(e.detail.hasPrefix("f in body must be of type \(format): "))
        }
    }

    @Test("minimum and maximum, inclusive and exclusive")
    func bounds() throws {
        let v = try validator("""
            type: object
            properties:
              port: {type: integer, minimum: 1, maximum: 65535}
              ratio: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true}
            """)
        let high = try #require(onlyError(v, try json(#"{"port":70000}"#)))
        #expect(high.description == "port: Invalid value: 70000: port in body should be less than or equal to 65535")
        let low = try #require(onlyError(v, try json(#"{"port":0}"#)))
        #expect(low.description == "port: Invalid value: 0: port in body should be greater than or equal to 1")
        let exclusive = try #require(onlyError(v, try json(#"{"ratio":1}"#)))
        #expect(exclusive.path == "ratio")
        #expect(exclusive.detail == "ratio in body should be less than 1")
        let exclusiveLow = try #require(onlyError(v, try json(#"{"ratio":0.0}"#)))
        #expect(exclusiveLow.detail == "ratio in body should be greater than 0")
        #expect(v.validate(try json(#"{"port":1,"ratio":0.999}"#)).isEmpty)
        #expect(v.validate(try json(#"{"port":65535}"#)).isEmpty)
    }

    @Test("multipleOf")
    func multipleOf() throws {
        let v = try validator("""
            type: object
            properties:
              n: {type: integer, multipleOf: 5}
              x: {type: number, multipleOf: 0.5}
            """)
        let e = try #require(onlyError(v, try json(#"{"n":12}"#)))
        #expect(e.path == "n")
        #expect(e.kind == .invalid)
        #expect(e.detail == "n in body should be a multiple of 5")
        #expect(v.validate(try json(#"{"x":1.25}"#)).count == 1)
        #expect(v.validate(try json(#"{"n":15,"x":2.5}"#)).isEmpty)
    }

    @Test("minLength and maxLength count Unicode characters, not bytes")
    func lengths() throws {
        let v = try validator("""
            type: object
            properties:
              spec:
                type: object
                properties:
                  name: {type: string, minLength: 2, maxLength: 63}
                  short: {type: string, maxLength: 3}
            """)
        let long = try #require(onlyError(v, .object(JSONObject([("spec", ["name": .string(String(repeating: "a", count: 64))])]))))
        #expect(long.path == "spec.name")
        #expect(long.kind == .tooLong)
        #expect(long.description == "spec.name: Too long: may not be longer than 63")
        let short = try #require(onlyError(v, try json(#"{"spec":{"name":"a"}}"#)))
        #expect(short.kind == .invalid)
        #expect(short.description == #"spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long"#)
        #expect(v.validate(try json(#"{"spec":{"short":"äöü"}}"#)).isEmpty, "3 runes, 6 bytes")
        #expect(v.validate(try json(#"{"spec":{"short":"äöüx"}}"#)).count == 1)
    }

    @Test("minItems and maxItems")
    func itemCounts() throws {
        let v = try validator("""
            type: object
            properties:
              spec:
                type: object
                properties:
                  items: {type: array, minItems: 1, maxItems: 16, items: {type: integer}}
            """)
        let many = try #require(onlyError(v, .object(JSONObject([("spec", ["items": .array((0..<17).map { JSONValue($0) })])]))))
        #expect(many.path == "spec.items")
        #expect(many.kind == .tooMany)
        #expect(many.description == "spec.items: Too many: 17: must have at most 16 items")
        let few = try #require(onlyError(v, try json(#"{"spec":{"items":[]}}"#)))
        #expect(few.kind == .invalid)
        #expect(few.description == "spec.items: Invalid value: 0: spec.items in body should have at least 1 items")
        #expect(v.validate(try json(#"{"spec":{"items":[1,2]}}"#)).isEmpty)
    }

    @Test("uniqueItems")
    func uniqueItems() throws {
        let v = try validator("""
            type: object
            properties:
              tags: {type: array, uniqueItems: true, items: {type: string}}
            """)
        let e = try #require(onlyError(v, try json(#"{"tags":["a","b","a"]}"#)))
        #expect(e.path == "tags")
        #expect(e.kind == .invalid)
        #expect(e.detail == "tags in body shouldn't contain duplicates")
        #expect(v.validate(try json(#"{"tags":["a","b"]}"#)).isEmpty)
    }

    @Test("minProperties and maxProperties")
    func propertyCounts() throws {
        let v = try validator("""
            type: object
            properties:
              labels: {type: object, minProperties: 1, maxProperties: 2, additionalProperties: {type: string}}
            """)
        let many = try #require(onlyError(v, try json(#"{"labels":{"a":"1","b":"2","c":"3"}}"#)))
        #expect(many.path == "labels")
        #expect(many.kind == .tooMany)
        #expect(many.description == "labels: Too many: 3: must have at most 2 items")
        let few = try #require(onlyError(v, try json(#"{"labels":{}}"#)))
        #expect(few.kind == .invalid)
        #expect(few.detail == "labels in body should have at least 1 properties")
        #expect(v.validate(try json(#"{"labels":{"a":"1"}}"#)).isEmpty)
    }

    @Test("additionalProperties with a schema validates every map value; false or absent rejects extra keys")
    func additionalProperties() throws {
        let v = try validator("""
            type: object
            properties:
              limits: {type: object, additionalProperties: {type: integer, minimum: 0}}
              closed: {type: object, additionalProperties: false, properties: {a: {type: string}}}
            """)
        let e = try #require(onlyError(v, try json(#"{"limits":{"cpu":1,"mem":-1}}"#)))
        #expect(e.path == "limits.mem")
        #expect(e.kind == .invalid)
        let closed = try #require(onlyError(v, try json(#"{"closed":{"a":"x","b":"y"}}"#)))
        #expect(closed.path == "closed.b")
        #expect(closed.kind == .unknownField)
        #expect(v.validate(try json(#"{"limits":{"cpu":1,"mem":2},"closed":{"a":"x"}}"#)).isEmpty)
    }

    @Test("unknown fields are reported like kube's strict field validation, and not validated further")
    func unknownFields() throws {
        let v = try validator(objectSchema, root: true)
        let e = try #require(onlyError(v, try json(#"{"apiVersion":"x/v1","kind":"K","spec":{"foo":{"bar":1}}}"#)))
        #expect(e.path == "spec.foo")
        #expect(e.kind == .unknownField)
        #expect(e.detail == #"unknown field "spec.foo""#)
        let nested = try validator("""
            type: object
            properties:
              rules: {type: array, items: {type: object, properties: {name: {type: string}}}}
            """)
        let item = try #require(onlyError(nested, try json(#"{"rules":[{"name":"a"},{"nmae":"b"}]}"#)))
        #expect(item.detail == #"unknown field "rules[1].nmae""#)
    }

    @Test("x-kubernetes-preserve-unknown-fields allows unknown fields in its subtree but still checks declared ones")
    func preserveUnknownFields() throws {
        let v = try validator("""
            type: object
            properties:
              config:
                type: object
                x-kubernetes-preserve-unknown-fields: true
                properties:
                  port: {type: integer}
                  tls: {type: object, properties: {sni: {type: string}}}
            """)
        #expect(v.validate(try json(#"{"config":{"anything":{"goes":[1,2]},"port":80}}"#)).isEmpty)
        let e = try #require(onlyError(v, try json(#"{"config":{"port":"80"}}"#)))
        #expect(e.path == "config.port")
        let deeper = try #require(onlyError(v, try json(#"{"config":{"tls":{"sni":"a","x":1}}}"#)))
        #expect(deeper.path == "config.tls.x")
        #expect(deeper.kind == .unknownField)
    }

    @Test("x-kubernetes-int-or-string accepts ints and strings; anyOf patterns apply to the string")
    func intOrString() throws {
        let v = try validator("""
            type: object
            properties:
              port:
                x-kubernetes-int-or-string: true
              percent:
                anyOf: [{type: integer}, {type: string}]
                pattern: '^\\d{1,3}%$'
                x-kubernetes-int-or-string: true
              limited:
                x-kubernetes-int-or-string: true
                anyOf:
                - type: integer
                  maximum: 10
                - type: string
                  pattern: '^[0-9]+m$'
            """)
        #expect(v.validate(try json(#"{"port":80,"percent":50,"limited":5}"#)).isEmpty)
        #expect(v.validate(try json(#"{"port":"http","percent":"50%","limited":"100m"}"#)).isEmpty)
        let bad = try #require(onlyError(v, try json(#"{"port":true}"#)))
        #expect(bad.path == "port")
        #expect(bad.kind == .typeInvalid)
        let pattern = try #require(onlyError(v, try json(#"{"percent":"half"}"#)))
        #expect(pattern.path == "percent")
        #expect(pattern.kind == .invalid)
        #expect(pattern.detail.contains("should match"))
        let branches = v.validate(try json(#"{"limited":"100"}"#))
        #expect(branches.first?.detail == "limited in body must validate at least one schema (anyOf)")
        #expect(branches.allSatisfy { $0.path == "limited" })
        #expect(v.validate(try json(#"{"limited":11}"#)).count >= 2)
    }

    @Test("allOf requires every branch")
    func allOf() throws {
        let v = try validator("""
            type: object
            properties:
              name:
                type: string
                allOf: [{minLength: 2}, {pattern: '^a'}]
            """)
        let errors = v.validate(try json(#"{"name":"bb"}"#))
        #expect(errors.count == 2)
        #expect(errors.map(\.path) == ["name", "name"])
        #expect(errors.last?.detail == "name in body must validate all the schemas (allOf)")
        #expect(v.validate(try json(#"{"name":"ab"}"#)).isEmpty)
    }

    @Test("anyOf with required alternatives (the common 'one of these fields' idiom)")
    func anyOfRequired() throws {
        let v = try validator("""
            type: object
            properties:
              ref:
                type: object
                properties: {name: {type: string}, selector: {type: string}}
                anyOf: [{required: [name]}, {required: [selector]}]
            """)
        let errors = v.validate(try json(#"{"ref":{}}"#))
        #expect(errors.first?.path == "ref")
        #expect(errors.first?.kind == .invalid)
        #expect(errors.contains { $0.kind == .required })
        #expect(v.validate(try json(#"{"ref":{"selector":"a"}}"#)).isEmpty)
    }

    @Test("oneOf requires exactly one branch")
    func oneOf() throws {
        let v = try validator("""
            type: object
            properties:
              ref:
                type: object
                properties: {name: {type: string}, selector: {type: string}}
                oneOf: [{required: [name]}, {required: [selector]}]
            """)
        let both = try #require(onlyError(v, try json(#"{"ref":{"name":"a","selector":"b"}}"#)))
        #expect(both.path == "ref")
        #expect(both.kind == .invalid)
        #expect(both.detail == "ref in body must validate one and only one schema (oneOf). Found 2 valid alternatives")
        let none = v.validate(try json(#"{"ref":{}}"#))
        #expect(none.first?.detail == "ref in body must validate one and only one schema (oneOf). Found none valid")
        #expect(v.validate(try json(#"{"ref":{"name":"a"}}"#)).isEmpty)
    }

    @Test("not rejects values matching its schema")
    func not() throws {
        let v = try validator("""
            type: object
            properties:
              name: {type: string, not: {enum: [admin]}}
            """)
        let e = try #require(onlyError(v, try json(#"{"name":"admin"}"#)))
        #expect(e.path == "name")
        #expect(e.kind == .invalid)
        #expect(e.detail == "name in body must not validate the schema (not)")
        #expect(v.validate(try json(#"{"name":"bob"}"#)).isEmpty)
    }

    @Test("x-kubernetes-list-type: set rejects duplicate items")
    func listTypeSet() throws {
        let v = try validator("""
            type: object
            properties:
              verbs: {type: array, x-kubernetes-list-type: set, items: {type: string}}
            """)
        let e = try #require(onlyError(v, try json(#"{"verbs":["get","list","get"]}"#)))
        #expect(e.path == "verbs[2]")
        #expect(e.kind == .duplicate)
        #expect(e.description == #"verbs[2]: Duplicate value: "get""#)
        #expect(v.validate(try json(#"{"verbs":["get","list"]}"#)).isEmpty)
    }

    @Test("x-kubernetes-list-type: map rejects duplicate keys")
    func listTypeMap() throws {
        let v = try validator("""
            type: object
            properties:
              ports:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name, protocol]
                items:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                    protocol: {type: string, default: TCP}
                    port: {type: integer}
            """)
        let e = try #require(onlyError(v, try json(#"{"ports":[{"name":"a","port":1},{"name":"a","protocol":"TCP","port":2}]}"#)))
        #expect(e.path == "ports[1]")
        #expect(e.kind == .duplicate)
        #expect(e.value == #"{"name":"a","protocol":"TCP"}"#)
        #expect(v.validate(try json(#"{"ports":[{"name":"a"},{"name":"a","protocol":"UDP"}]}"#)).isEmpty)
    }

    @Test("resource roots: apiVersion, kind and metadata are only type-checked")
    func resourceRoot() throws {
        let v = try validator("""
            type: object
            required: [spec]
            properties:
              apiVersion: {type: string, enum: [never]}
              kind: {type: string}
              metadata: {type: object, properties: {name: {type: string, maxLength: 1}}}
              spec: {type: object}
            """, root: true)
        #expect(v.validate(try json(#"{"apiVersion":"a/v1","kind":"K","metadata":{"name":"long","labels":{"x":"y"}},"spec":{}}"#)).isEmpty)
        let e = try #require(onlyError(v, try json(#"{"apiVersion":1,"kind":"K","metadata":{},"spec":{}}"#)))
        #expect(e.path == "apiVersion")
        #expect(e.kind == .typeInvalid)
        let m = try #require(onlyError(v, try json(#"{"apiVersion":"a/v1","kind":"K","metadata":"x","spec":{}}"#)))
        #expect(m.path == "metadata")
        let nonRoot = try validator("type: object\nproperties: {spec: {type: object}}")
        #expect(nonRoot.validate(try json(#"{"kind":"K"}"#)).first?.kind == .unknownField)
    }

    @Test("x-kubernetes-embedded-resource objects get the same treatment as roots, and need apiVersion and kind")
    func embeddedResource() throws {
        let v = try validator("""
            type: object
            properties:
              template:
                type: object
                x-kubernetes-embedded-resource: true
                properties:
                  spec: {type: object, properties: {x: {type: integer}}}
            """)
        #expect(v.validate(try json(#"{"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"x":1}}}"#)).isEmpty)
        let errors = v.validate(try json(#"{"template":{"spec":{"x":1}}}"#))
        #expect(errors.map(\.path) == ["template.apiVersion", "template.kind"])
        #expect(errors.allSatisfy { $0.kind == .required })
        let unknown = try #require(onlyError(v, try json(#"{"template":{"apiVersion":"v1","kind":"Pod","status":{}}}"#)))
        #expect(unknown.path == "template.status")
        #expect(unknown.kind == .unknownField)
    }

    @Test("Go %v float formatting for messages")
    func goFloat() {
        #expect(SchemaValidator.goFloat(65535) == "65535")
        #expect(SchemaValidator.goFloat(0.5) == "0.5")
        #expect(SchemaValidator.goFloat(-2.25) == "-2.25")
        #expect(SchemaValidator.goFloat(1e21) == "1e+21")
        #expect(SchemaValidator.goFloat(0.00001) == "1e-05")
        #expect(SchemaValidator.goFloat(0.0001) == "0.0001")
    }
}

@Suite("SchemaValidator: defaulting and pruning", .timeLimit(.minutes(2)))
struct SchemaValidatorDefaultingPruningTests {
    private let schema = """
        type: object
        properties:
          apiVersion: {type: string}
          kind: {type: string}
          metadata: {type: object}
          spec:
            type: object
            properties:
              mode: {type: string, default: Fast}
              nullable: {type: string, nullable: true, default: d}
              timeouts:
                type: object
                default: {}
                properties:
                  request: {type: string, default: 15s}
                  idle: {type: string}
              rules:
                type: array
                items:
                  type: object
                  properties:
                    weight: {type: integer, default: 1}
                    name: {type: string}
              backends:
                type: object
                additionalProperties:
                  type: object
                  properties:
                    port: {type: integer, default: 443}
              extra:
                type: object
                x-kubernetes-preserve-unknown-fields: true
                properties:
                  known: {type: object, properties: {a: {type: string}}}
              items:
                type: array
                items: {type: string, default: x}
        """

    @Test("defaults fill absent fields of present objects, recursively through objects, arrays and maps")
    func defaults() throws {
        let v = try validator(schema, root: true)
        let input = try json(#"{"spec":{"rules":[{"name":"a"},{"weight":5}],"backends":{"b":{}},"items":["a",null]}}"#)
        let out = v.applyingDefaults(input)
        let expected = try json("""
            {"spec":{"rules":[{"name":"a","weight":1},{"weight":5}],"backends":{"b":{"port":443}},"items":["a","x"],
             "mode":"Fast","nullable":"d","timeouts":{"request":"15s"}}}
            """)
        #expect(out == expected)
        #expect(v.validate(out).isEmpty)
    }

    @Test("an object default applies, then its children are defaulted")
    func objectDefaultThenChildren() throws {
        let v = try validator(schema, root: true)
        let out = v.applyingDefaults(try json(#"{"spec":{}}"#))
        #expect(out[path: "spec", "timeouts"] == ["request": "15s"])
    }

    @Test("defaulting replaces null only for non-nullable fields, and leaves absent parents absent")
    func defaultsAndNull() throws {
        let v = try validator(schema, root: true)
        let out = v.applyingDefaults(try json(#"{"spec":{"mode":null,"nullable":null}}"#))
        #expect(out[path: "spec", "mode"] == "Fast")
        #expect(out[path: "spec", "nullable"] == .null)
        #expect(v.applyingDefaults(try json(#"{"kind":"K"}"#)) == (try json(#"{"kind":"K"}"#)))
    }

    @Test("defaulting keeps existing key order and appends defaulted keys")
    func defaultOrder() throws {
        let v = try validator(schema, root: true)
        let out = v.applyingDefaults(try json(#"{"spec":{"rules":[],"mode":"Slow"}}"#))
        #expect(out["spec"]?.objectValue?.keys == ["rules", "mode", "nullable", "timeouts"])
    }

    @Test("pruning removes unknown fields and reports their paths, keeping root metadata and preserved subtrees")
    func pruning() throws {
        let v = try validator(schema, root: true)
        let input = try json("""
            {"apiVersion":"a/v1","kind":"K","metadata":{"name":"n","whatever":1},"status":{"x":1},
             "spec":{"mode":"A","bogus":1,"rules":[{"name":"a","typo":2}],"backends":{"b":{"port":1,"junk":true}},
                     "extra":{"free":{"form":1},"known":{"a":"x","b":"y"}}}}
            """)
        let (out, removed) = v.pruned(input)
        #expect(removed.map(\.description) == ["status", "spec.bogus", "spec.rules[0].typo", "spec.backends.b.junk", "spec.extra.known.b"])
        let expected = try json("""
            {"apiVersion":"a/v1","kind":"K","metadata":{"name":"n","whatever":1},
             "spec":{"mode":"A","rules":[{"name":"a"}],"backends":{"b":{"port":1}},
                     "extra":{"free":{"form":1},"known":{"a":"x"}}}}
            """)
        #expect(out == expected)
        #expect(v.validate(out).isEmpty)
        // Everything pruned is what validation calls unknown.
        #expect(v.validate(input).filter { $0.kind == .unknownField }.map(\.path) == removed)
    }

    @Test("pruning a non-root value drops apiVersion/kind/metadata too")
    func pruningNonRoot() throws {
        let v = try validator("type: object\nproperties: {a: {type: string}}")
        let (out, removed) = v.pruned(try json(#"{"kind":"K","a":"x"}"#))
        #expect(out == ["a": "x"])
        #expect(removed == ["kind"])
    }

    @Test("pruning keeps embedded resources' apiVersion, kind and metadata")
    func pruningEmbedded() throws {
        let v = try validator("""
            type: object
            properties:
              template:
                type: object
                x-kubernetes-embedded-resource: true
                properties: {spec: {type: object, x-kubernetes-preserve-unknown-fields: true}}
            """)
        let input = try json(#"{"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"c":1},"status":{}}}"#)
        let (out, removed) = v.pruned(input)
        #expect(removed == ["template.status"])
        #expect(out == (try json(#"{"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"c":1}}}"#)))
    }
}

@Suite("CustomResourceDefinitionSet with the upstream CRDs", .timeLimit(.minutes(10)), .uses(.cpu), .enabled(if: UpstreamCRDs.available(), Comment(rawValue: UpstreamCRDs.missingReason())))
struct UpstreamCRDTests {
    static let directory = UpstreamCRDs.directory() ?? "(missing: hack/fetch-upstream-crds.sh)"

    static let set: Result<CustomResourceDefinitionSet, any Error> = Result {
        try CustomResourceDefinitionSet.load(directory: directory)
    }

    private func crds() throws -> CustomResourceDefinitionSet { try Self.set.get() }

    // Load time and validation throughput are measured by `semroute-bench crd-validate` (docs/benchmarks.md),
    // not asserted here: a duration in a unit test fails on a loaded machine, not on a slow change.
    @Test("all 17 upstream CRDs load with their served versions indexed")
    func loads() throws {
        let again = try CustomResourceDefinitionSet.load(directory: Self.directory)
        #expect(again.crdNames.count == 17)
        let route = try #require(again.entry(apiVersion: "aigateway.envoyproxy.io/v1beta1", kind: "AIGatewayRoute"))
        #expect(route.plural == "aigatewayroutes")
        #expect(route.scope == .namespaced)
        #expect(route.storage)
        #expect(route.hasStatusSubresource)
        let old = try #require(again.entry(apiVersion: "aigateway.envoyproxy.io/v1alpha1", kind: "AIGatewayRoute"))
        #expect(old.deprecated && !old.storage)
        #expect(again.entry(apiVersion: "gateway.networking.k8s.io/v1alpha3", kind: "BackendTLSPolicy") == nil)
        let gc = try #require(again.entry(apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass"))
        #expect(gc.scope == .cluster)
        #expect(!gc.additionalPrinterColumns.isEmpty)
    }

    private static let route = #"""
        {"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"AIGatewayRoute",
         "metadata":{"name":"r","namespace":"default"},
         "spec":{"parentRefs":[{"name":"gw","kind":"Gateway","group":"gateway.networking.k8s.io"}],
                 "rules":[{"matches":[{"headers":[{"type":"Exact","name":"x-ai-eg-model","value":"gpt-4o"}]}],
                           "backendRefs":[{"name":"openai"}]}]}}
        """#
    private static let backend = #"""
        {"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"AIServiceBackend",
         "metadata":{"name":"openai","namespace":"default"},
         "spec":{"schema":{"name":"OpenAI"},
                 "backendRef":{"name":"openai","kind":"Backend","group":"gateway.envoyproxy.io"}}}
        """#
    private static let egBackend = #"""
        {"apiVersion":"gateway.envoyproxy.io/v1alpha1","kind":"Backend",
         "metadata":{"name":"openai","namespace":"default"},
         "spec":{"endpoints":[{"fqdn":{"hostname":"api.openai.com","port":443}}]}}
        """#

    @Test("known-good minimal objects validate", arguments: [route, backend, egBackend])
    func good(text: String) throws {
        let errors = try crds().validate(try json(text))
        #expect(errors.isEmpty, "\(errors.lines)")
    }

    @Test("AIGatewayRoute with an unknown field fails on that field")
    func routeUnknownField() throws {
        var object = try json(Self.route)
        object["spec"]?["rulez"] = []
        let errors = try crds().validate(object)
        #expect(errors.map(\.path) == ["spec.rulez"])
        #expect(errors.first?.kind == .unknownField)
        #expect(errors.first?.detail == #"unknown field "spec.rulez""#)
    }

    @Test("AIGatewayRoute without rules fails with Required value")
    func routeMissingRequired() throws {
        var object = try json(Self.route)
        object["spec"]?["rules"] = nil
        let errors = try crds().validate(object)
        #expect(errors.lines == ["spec.rules: Required value"])
    }

    @Test("AIServiceBackend with an unsupported schema name fails with the supported list")
    func backendWrongEnum() throws {
        var object = try json(Self.backend)
        object["spec"]?["schema"]?["name"] = "OpenAl"
        let errors = try crds().validate(object)
        #expect(errors.count == 1)
        #expect(errors.first?.path == "spec.schema.name")
        #expect(errors.first?.kind == .notSupported)
        #expect(errors.first?.description.hasPrefix(#"spec.schema.name: Unsupported value: "OpenAl": supported values: "OpenAI", "Cohere""#) == true)
    }

    @Test("AIServiceBackend without backendRef fails, and a bad port type is caught")
    func backendMissingRequired() throws {
        var object = try json(Self.backend)
        object["spec"]?["backendRef"] = nil
        #expect(try crds().validate(object).lines == ["spec.backendRef: Required value"])
        var port = try json(Self.backend)
        port["spec"]?["backendRef"]?["port"] = "443"
        #expect(try crds().validate(port).map(\.path) == ["spec.backendRef.port"])
    }

    @Test("Envoy Gateway Backend: unknown field, wrong enum, missing required")
    func egBackendBad() throws {
        let set = try crds()
        var unknown = try json(Self.egBackend)
        unknown["spec"]?["endpoints"] = [["fqdn": ["hostname": "api.openai.com", "port": 443, "tls": true]]]
        #expect(set.validate(unknown).map(\.path) == ["spec.endpoints[0].fqdn.tls"])
        var wrongEnum = try json(Self.egBackend)
        wrongEnum["spec"]?["type"] = "Static"
        let e = set.validate(wrongEnum)
        #expect(e.map(\.path) == ["spec.type"])
        #expect(e.first?.kind == .notSupported)
        var missing = try json(Self.egBackend)
        missing["spec"]?["endpoints"] = [["fqdn": ["hostname": "api.openai.com"]]]
        #expect(set.validate(missing).lines == ["spec.endpoints[0].fqdn.port: Required value"])
        var badPort = try json(Self.egBackend)
        badPort["spec"]?["endpoints"] = [["fqdn": ["hostname": "api.openai.com", "port": 70000]]]
        #expect(set.validate(badPort).map(\.path) == ["spec.endpoints[0].fqdn.port"])
    }

    @Test("unknown apiVersion or kind is reported on that field")
    func unknownTypes() throws {
        let set = try crds()
        let wrongVersion = set.validate(try json(#"{"apiVersion":"aigateway.envoyproxy.io/v9","kind":"AIGatewayRoute"}"#))
        #expect(wrongVersion.count == 1)
        #expect(wrongVersion.first?.path == "apiVersion")
        #expect(wrongVersion.first?.kind == .notSupported)
        #expect(wrongVersion.first?.detail == #"supported values: "aigateway.envoyproxy.io/v1alpha1", "aigateway.envoyproxy.io/v1beta1""#)
        let wrongKind = set.validate(try json(#"{"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"AIGatewayRoot"}"#))
        #expect(wrongKind.map(\.path) == ["kind"])
        let wrongGroup = set.validate(try json(#"{"apiVersion":"example.com/v1","kind":"Thing"}"#))
        #expect(wrongGroup.map(\.path) == ["apiVersion"])
        #expect(set.validate(try json(#"{"kind":"Thing"}"#)).lines == ["apiVersion: Required value"])
    }

    @Test("defaulting and pruning a real object")
    func defaultAndPrune() throws {
        let entry = try #require(try crds().entry(apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "Backend"))
        let object = try json(Self.egBackend)
        #expect(entry.validator.applyingDefaults(object)[path: "spec", "type"] == "Endpoints")
        var extra = object
        extra["status"] = ["conditions": []]
        extra["spec"]?["nope"] = 1
        let (out, removed) = entry.validator.pruned(extra)
        #expect(removed == ["spec.nope"])
        #expect(out["status"] != nil)
    }

    @Test("validating many objects in a row gives the same (empty) result every time")
    func repeated() throws {
        let set = try crds()
        let objects = try [Self.route, Self.backend, Self.egBackend].map(json)
        var total = 0
        for n in 0..<3000 { total += set.validate(objects[n % 3]).count }
        #expect(total == 0)
    }
}
