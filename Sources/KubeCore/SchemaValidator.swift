import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Validates, defaults and prunes JSON values against a structural schema the way kube-apiserver does
/// for custom resources (k8s.io/apiextensions-apiserver: kube-openapi schema validation, structural
/// defaulting, structural pruning, list-type checks), with error wording that mirrors apimachinery's
/// `field.Error` and kube-openapi's messages.
///
/// What is covered: `type`, `nullable`, `required`, `enum`, `pattern`, `format` (int32, int64, date-time,
/// date, byte, uri, hostname, ipv4, ipv6, cidr, uuid, email, duration; other formats are ignored, as kube
/// does), `minimum`/`maximum` (+ exclusive), `multipleOf`, `minLength`/`maxLength` (counted in Unicode
/// scalars, like Go's `utf8.RuneCountInString`), `minItems`/`maxItems`, `uniqueItems`,
/// `minProperties`/`maxProperties`, `additionalProperties`, `allOf`/`anyOf`/`oneOf`/`not`,
/// `x-kubernetes-preserve-unknown-fields`, `x-kubernetes-int-or-string`, `x-kubernetes-embedded-resource`,
/// `x-kubernetes-list-type` (`set`, `map` with `x-kubernetes-list-map-keys`), and unknown fields (reported
/// as kube's strict field validation does: `unknown field "spec.foo"`).
///
/// Not covered:
/// - CEL rules (`x-kubernetes-validations`) are **not evaluated**; kube-apiserver checks them on admission.
/// - `metadata` at resource roots and in embedded resources is only type-checked (kube validates
///   ObjectMeta with its own code, not with the CRD schema).
///
/// Deliberate difference from kube-openapi: a floating-point JSON value with an integral value (`1.0`)
/// is not accepted where `type: integer` is declared; only ``JSONValue/int(_:)`` is.
///
/// Thread-safe and cheap to copy: compiled `pattern` regexes live in a shared, lock-protected cache.
public struct SchemaValidator: Sendable {
    public let schema: JSONSchema
    public let isResourceRoot: Bool
    private let regexes: RegexCache

    public init(_ schema: JSONSchema, isResourceRoot: Bool = true) {
        self.schema = schema
        self.isResourceRoot = isResourceRoot
        self.regexes = RegexCache()
    }

    private static let metaFields: Set<String> = ["apiVersion", "kind", "metadata"]

    // MARK: - Validation

    /// Every problem with `value`, in document order. An empty list means valid (CEL rules aside).
    public func validate(_ value: JSONValue, at path: FieldPath = .root) -> [FieldError] {
        var errors: [FieldError] = []
        check(value, schema, path, &errors, strict: true, root: isResourceRoot)
        return errors
    }

    /// `strict`: report unknown fields (off inside allOf/anyOf/oneOf/not branches, which only add
    /// value validations). `root`: this object is a resource root or an embedded resource.
    private func check(_ value: JSONValue, _ s: JSONSchema, _ path: FieldPath, _ errors: inout [FieldError],
                       strict: Bool, root: Bool = false)
    {
        if case .null = value {
            if s.nullable { return }
            if let type = s.type {
                errors.append(Self.typeError(path, type, "null"))
            }
            return
        }

        // Type.
        if let type = s.type {
            let matches: Bool
            switch (type, value) {
            case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool),
                 ("integer", .int), ("number", .int), ("number", .double):
                matches = true
            case ("object", _), ("array", _), ("string", _), ("boolean", _), ("integer", _), ("number", _):
                matches = false
            default:
                matches = true  // unknown type names are not ours to judge
            }
            if !matches {
                errors.append(Self.typeError(path, type, value.typeName))
                return
            }
        } else if s.intOrString && s.anyOf.isEmpty && s.oneOf.isEmpty {
            switch value {
            case .int, .string: break
            default:
                errors.append(Self.typeError(path, "integer,string", value.typeName))
                return
            }
        }

        // Enum.
        if let allowed = s.enumValues, !allowed.isEmpty, !allowed.contains(where: { Self.jsonEqual($0, value) }) {
            let values = allowed.map { v -> String in
                if case .string(let str) = v { return str }
                return JSONWriter.string(v)
            }
            errors.append(FieldError(.notSupported, path, value: FieldError.render(value),
                                     "supported values: " + values.map { Self.goQuote($0) }.joined(separator: ", ")))
        }

        switch value {
        case .string(let string):
            checkString(string, value, s, path, &errors)
        case .int, .double:
            checkNumber(value, s, path, &errors)
        case .array(let items):
            checkArray(items, s, path, &errors, strict: strict)
        case .object(let object):
            checkObject(object, s, path, &errors, strict: strict, root: root, embedded: s.embeddedResource && !root)
        default:
            break
        }

        checkComposition(value, s, path, &errors)
    }

    private func checkString(_ string: String, _ value: JSONValue, _ s: JSONSchema, _ path: FieldPath,
                             _ errors: inout [FieldError])
    {
        if s.maxLength != nil || s.minLength != nil {
            let length = string.unicodeScalars.count
            if let max = s.maxLength, length > max {
                errors.append(FieldError(.tooLong, path, "may not be longer than \(max)"))
            }
            if let min = s.minLength, length < min {
                errors.append(.invalid(path, FieldError.render(value), "\(Self.name(path)) in body should be at least \(min) chars long"))
            }
        }
        if let pattern = s.pattern, let regex = regexes.regex(pattern) {
            let range = NSRange(string.startIndex..<string.endIndex, in: string)
            if regex.firstMatch(in: string, options: [], range: range) == nil {
                errors.append(.invalid(path, FieldError.render(value), "\(Self.name(path)) in body should match '\(pattern)'"))
            }
        }
        if let format = s.format, !Formats.isValid(string, format: format) {
            errors.append(FieldError(.typeInvalid, path, value: FieldError.render(value),
                                     "\(Self.name(path)) in body must be of type \(format): \(Self.goQuote(string))"))
        }
    }

    private func checkNumber(_ value: JSONValue, _ s: JSONSchema, _ path: FieldPath, _ errors: inout [FieldError]) {
        let rendered = FieldError.render(value)
        let name = Self.name(path)
        if case .int(let i) = value, let format = s.format, format == "int32", i < Int64(Int32.min) || i > Int64(Int32.max) {
            errors.append(FieldError(.typeInvalid, path, value: rendered, "\(name) in body must be of type int32: \"\(i)\""))
        }
        guard let number = value.doubleValue else { return }
        if let max = s.maximum {
            if s.exclusiveMaximum ? !(number < max) : !(number <= max) {
                let how = s.exclusiveMaximum ? "less than" : "less than or equal to"
                errors.append(.invalid(path, rendered, "\(name) in body should be \(how) \(Self.goFloat(max))"))
            }
        }
        if let min = s.minimum {
            if s.exclusiveMinimum ? !(number > min) : !(number >= min) {
                let how = s.exclusiveMinimum ? "greater than" : "greater than or equal to"
                errors.append(.invalid(path, rendered, "\(name) in body should be \(how) \(Self.goFloat(min))"))
            }
        }
        if let factor = s.multipleOf, factor > 0 {
            let isMultiple: Bool
            if case .int(let i) = value, factor == factor.rounded(), abs(factor) < 9e18 {
                isMultiple = i % Int64(factor) == 0
            } else {
                let quotient = number / factor
                isMultiple = quotient == quotient.rounded()
            }
            if !isMultiple {
                errors.append(.invalid(path, rendered, "\(name) in body should be a multiple of \(Self.goFloat(factor))"))
            }
        }
    }

    private func checkArray(_ items: [JSONValue], _ s: JSONSchema, _ path: FieldPath, _ errors: inout [FieldError],
                            strict: Bool)
    {
        let name = Self.name(path)
        if let max = s.maxItems, items.count > max {
            errors.append(FieldError(.tooMany, path, value: String(items.count), "must have at most \(max) items"))
        }
        if let min = s.minItems, items.count < min {
            errors.append(.invalid(path, String(items.count), "\(name) in body should have at least \(min) items"))
        }
        if s.uniqueItems {
            var seen = Set<JSONValue>()
            if items.contains(where: { !seen.insert(Self.normalized($0)).inserted }) {
                errors.append(.invalid(path, "\"\"", "\(name) in body shouldn't contain duplicates"))
            }
        }
        if let itemSchema = s.items {
            for (n, item) in items.enumerated() {
                check(item, itemSchema, path[n], &errors, strict: strict)
            }
        }
        switch s.listType {
        case "set":
            var seen = Set<JSONValue>()
            for (n, item) in items.enumerated() where !seen.insert(Self.normalized(item)).inserted {
                errors.append(.duplicate(path[n], FieldError.render(item)))
            }
        case "map":
            let keys = s.listMapKeys ?? []
            guard !keys.isEmpty else { break }
            var seen = Set<[JSONValue]>()
            for (n, item) in items.enumerated() {
                guard let object = item.objectValue else { continue }
                var keyValues: [JSONValue] = []
                var complete = true
                for key in keys {
                    if let v = object[key] {
                        keyValues.append(Self.normalized(v))
                    } else if let d = s.items?.properties[key]?.defaultValue {
                        keyValues.append(Self.normalized(d))
                    } else {
                        errors.append(.required(path[n] / key))
                        complete = false
                    }
                }
                if complete, !seen.insert(keyValues).inserted {
                    let rendered = JSONWriter.string(.object(JSONObject(zip(keys, keyValues).map { ($0, $1) })))
                    errors.append(.duplicate(path[n], rendered))
                }
            }
        default:
            break
        }
    }

    private func checkObject(_ object: JSONObject, _ s: JSONSchema, _ path: FieldPath, _ errors: inout [FieldError],
                             strict: Bool, root: Bool, embedded: Bool)
    {
        let name = Self.name(path)
        let root = root || embedded
        if embedded {
            for key in ["apiVersion", "kind"] where object[key] == nil {
                errors.append(.required(path / key, "must not be empty"))
            }
        }
        for key in s.required where object[key] == nil {
            if root, Self.metaFields.contains(key) { continue }
            errors.append(.required(path / key))
        }
        if let max = s.maxProperties, object.count > max {
            errors.append(FieldError(.tooMany, path, value: String(object.count), "must have at most \(max) items"))
        }
        if let min = s.minProperties, object.count < min {
            errors.append(.invalid(path, String(object.count), "\(name) in body should have at least \(min) properties"))
        }
        let mapValues = s.mapValues
        let allowsAnything = s.preserveUnknownFields || s.additionalProperties == .allowed(true)
        for (key, member) in object {
            let memberPath = path / key
            if root, Self.metaFields.contains(key) {
                checkMetaField(key, member, memberPath, embedded: embedded, &errors)
                continue
            }
            if let property = s.properties[key] {
                check(member, property, memberPath, &errors, strict: strict)
            } else if let mapValues {
                check(member, mapValues, memberPath, &errors, strict: strict)
            } else if strict && !allowsAnything {
                let hint = key == "true" || key == "false"
                    ? " (YAML reads a bare key such as on, off, yes or no as a boolean, as kubectl does: quote it, e.g. \"on\":)" : ""
                errors.append(FieldError(.unknownField, memberPath, "unknown field \"\(memberPath)\"" + hint))
            }
        }
    }

    /// `apiVersion`, `kind` and `metadata` of resource roots and embedded resources: type only.
    private func checkMetaField(_ key: String, _ value: JSONValue, _ path: FieldPath, embedded: Bool,
                                _ errors: inout [FieldError])
    {
        switch (key, value) {
        case ("metadata", .object), ("metadata", .null):
            return
        case ("apiVersion", .string(let s)), ("kind", .string(let s)):
            if embedded && s.isEmpty { errors.append(.invalid(path, "\"\"", "must not be empty")) }
        case ("metadata", _):
            errors.append(Self.typeError(path, "object", value.typeName))
        default:
            if embedded {
                errors.append(.invalid(path, FieldError.render(value), "must be a string"))
            } else {
                errors.append(Self.typeError(path, "string", value.typeName))
            }
        }
    }

    private func checkComposition(_ value: JSONValue, _ s: JSONSchema, _ path: FieldPath, _ errors: inout [FieldError]) {
        let name = Self.name(path)
        if !s.allOf.isEmpty {
            var valid = 0
            for branch in s.allOf {
                var branchErrors: [FieldError] = []
                check(value, branch, path, &branchErrors, strict: false)
                if branchErrors.isEmpty { valid += 1 } else { errors += branchErrors }
            }
            if valid != s.allOf.count {
                errors.append(.invalid(path, "\"\"", "\(name) in body must validate all the schemas (allOf)"
                    + (valid == 0 ? ". Found none valid" : "")))
            }
        }
        if !s.anyOf.isEmpty {
            var best: [FieldError]?
            for branch in s.anyOf {
                var branchErrors: [FieldError] = []
                check(value, branch, path, &branchErrors, strict: false)
                if branchErrors.isEmpty { best = nil; break }
                if best == nil || branchErrors.count < best!.count { best = branchErrors }
            }
            if let best {
                errors.append(.invalid(path, "\"\"", "\(name) in body must validate at least one schema (anyOf)"))
                errors += best
            }
        }
        if !s.oneOf.isEmpty {
            var valid = 0
            var firstFailure: [FieldError]?
            for branch in s.oneOf {
                var branchErrors: [FieldError] = []
                check(value, branch, path, &branchErrors, strict: false)
                if branchErrors.isEmpty { valid += 1 } else if firstFailure == nil { firstFailure = branchErrors }
            }
            if valid == 0 {
                errors.append(.invalid(path, "\"\"", "\(name) in body must validate one and only one schema (oneOf). Found none valid"))
                errors += firstFailure ?? []
            } else if valid > 1 {
                errors.append(.invalid(path, "\"\"",
                                       "\(name) in body must validate one and only one schema (oneOf). Found \(valid) valid alternatives"))
            }
        }
        if let not = s.not {
            var branchErrors: [FieldError] = []
            check(value, not, path, &branchErrors, strict: false)
            if branchErrors.isEmpty {
                errors.append(.invalid(path, "\"\"", "\(name) in body must not validate the schema (not)"))
            }
        }
    }

    // MARK: - Defaulting

    /// Structural defaulting: absent (or non-nullable `null`) properties of present objects get their
    /// schema `default`, recursively, through array items and map values; a defaulted object then has its
    /// own children defaulted. The root itself is never defaulted. Array items and map values are
    /// defaulted only when they are a non-nullable `null`.
    public func applyingDefaults(_ value: JSONValue) -> JSONValue {
        var copy = value
        Self.applyDefaults(&copy, schema)
        return copy
    }

    private static func isNonNullableNull(_ value: JSONValue, _ s: JSONSchema) -> Bool {
        value.isNull && !s.nullable
    }

    private static func applyDefaults(_ value: inout JSONValue, _ s: JSONSchema) {
        switch value {
        case .object(var object):
            value = .null  // drop the extra reference so `object` is mutated in place
            if !s.properties.isEmpty {
                for name in s.propertyOrder {
                    guard let property = s.properties[name], let d = property.defaultValue else { continue }
                    if let existing = object[name], !isNonNullableNull(existing, property) { continue }
                    object[name] = d
                }
            }
            let mapValues = s.mapValues
            for key in object.keys {
                if let property = s.properties[key] {
                    var member = object[key]!
                    object[key] = .null
                    applyDefaults(&member, property)
                    object[key] = member
                } else if let mapValues {
                    var member = object[key]!
                    if isNonNullableNull(member, mapValues), let d = mapValues.defaultValue { member = d }
                    object[key] = .null
                    applyDefaults(&member, mapValues)
                    object[key] = member
                }
            }
            value = .object(object)
        case .array(var items):
            guard let itemSchema = s.items else { return }
            value = .null
            for n in items.indices {
                if isNonNullableNull(items[n], itemSchema), let d = itemSchema.defaultValue { items[n] = d }
                applyDefaults(&items[n], itemSchema)
            }
            value = .array(items)
        default:
            break
        }
    }

    // MARK: - Nulls

    /// kube-apiserver's first step for custom resources: a `null` object field (or map value) whose schema is
    /// not `nullable` is dropped, as if it were absent (then defaulting and validation see no field), so a Helm
    /// template's `shadow: null` or `cpu: null` is accepted. Nulls in lists stay (validation reports them).
    public func droppingNonNullableNulls(_ value: JSONValue) -> JSONValue {
        var copy = value
        Self.dropNulls(&copy, schema)
        return copy
    }

    private static func dropNulls(_ value: inout JSONValue, _ s: JSONSchema) {
        switch value {
        case .object(var object):
            value = .null
            let mapValues = s.mapValues
            for key in object.keys {
                guard let member = object[key], let memberSchema = s.properties[key] ?? mapValues else { continue }
                if isNonNullableNull(member, memberSchema) {
                    object[key] = nil
                } else {
                    var copy = member
                    object[key] = .null
                    dropNulls(&copy, memberSchema)
                    object[key] = copy
                }
            }
            value = .object(object)
        case .array(var items):
            guard let itemSchema = s.items else { return }
            value = .null
            for n in items.indices { dropNulls(&items[n], itemSchema) }
            value = .array(items)
        default:
            break
        }
    }

    // MARK: - Pruning

    /// Structural pruning: removes every object field the schema does not declare, except inside
    /// `x-kubernetes-preserve-unknown-fields` subtrees (where declared properties are still pruned
    /// below), and except `apiVersion`, `kind` (strings) and `metadata` (objects) at resource roots and
    /// in embedded resources. Returns the pruned value and the paths removed, in document order.
    public func pruned(_ value: JSONValue) -> (value: JSONValue, removed: [FieldPath]) {
        var copy = value
        var removed: [FieldPath] = []
        var rootSchema = schema
        if isResourceRoot { rootSchema.embeddedResource = true }
        Self.prune(&copy, rootSchema, .root, &removed)
        return (copy, removed)
    }

    private static func keepsMetaField(_ key: String, _ value: JSONValue) -> Bool {
        switch (key, value) {
        case ("apiVersion", .string), ("kind", .string), ("metadata", .object): true
        default: false
        }
    }

    /// `s == nil`: no schema at all here, so every object field below goes.
    private static func prune(_ value: inout JSONValue, _ s: JSONSchema?, _ path: FieldPath, _ removed: inout [FieldPath]) {
        if let s, s.preserveUnknownFields || s.additionalProperties == .allowed(true) {
            skipPrune(&value, s, path, &removed)
            return
        }
        switch value {
        case .object(var object):
            value = .null
            defer { value = .object(object) }
            guard let s else {
                for key in object.keys { removed.append(path / key) }
                object = JSONObject()
                return
            }
            let mapValues = s.mapValues
            for key in object.keys {
                if s.embeddedResource, keepsMetaField(key, object[key]!) { continue }
                if let property = s.properties[key] {
                    var member = object[key]!
                    object[key] = .null
                    prune(&member, property, path / key, &removed)
                    object[key] = member
                } else if let mapValues {
                    var member = object[key]!
                    object[key] = .null
                    prune(&member, mapValues, path / key, &removed)
                    object[key] = member
                } else {
                    removed.append(path / key)
                    object[key] = nil
                }
            }
        case .array(var items):
            value = .null
            for n in items.indices { prune(&items[n], s?.items, path[n], &removed) }
            value = .array(items)
        default:
            break
        }
    }

    private static func skipPrune(_ value: inout JSONValue, _ s: JSONSchema, _ path: FieldPath, _ removed: inout [FieldPath]) {
        switch value {
        case .object(var object):
            value = .null
            let mapValues = s.mapValues
            for key in object.keys {
                if s.embeddedResource, keepsMetaField(key, object[key]!) { continue }
                let sub = s.properties[key] ?? mapValues
                guard let sub else { continue }
                var member = object[key]!
                object[key] = .null
                prune(&member, sub, path / key, &removed)
                object[key] = member
            }
            value = .object(object)
        case .array(var items):
            guard let itemSchema = s.items else { return }
            value = .null
            for n in items.indices { skipPrune(&items[n], itemSchema, path[n], &removed) }
            value = .array(items)
        default:
            break
        }
    }

    // MARK: - Helpers

    /// kube-openapi's `InvalidType` error, as apiextensions turns it into a `field.Error`
    /// (`FieldValueTypeInvalid`, printed by apimachinery as "Invalid value").
    private static func typeError(_ path: FieldPath, _ type: String, _ actual: String) -> FieldError {
        FieldError(.typeInvalid, path, value: "\"\(actual)\"", "\(name(path)) in body must be of type \(type): \"\(actual)\"")
    }

    /// The field name kube-openapi puts into its messages.
    private static func name(_ path: FieldPath) -> String {
        path.components.isEmpty ? "<root>" : path.description
    }

    /// Ints and integral doubles compare equal, as numbers do in JSON.
    static func jsonEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): Double(x) == y
        default: a == b
        }
    }

    /// Integral doubles become ints, recursively, so that set membership matches ``jsonEqual(_:_:)``.
    static func normalized(_ value: JSONValue) -> JSONValue {
        switch value {
        case .double(let d) where d == d.rounded() && abs(d) < 9e15: .int(Int64(d))
        case .array(let items): .array(items.map(normalized))
        case .object(let o): .object(JSONObject(o.map { ($0.key, normalized($0.value)) }))
        default: value
        }
    }

    /// Go's `strconv.Quote` for the printable strings we meet in messages.
    static func goQuote(_ s: String) -> String {
        var out = ""
        JSONWriter.quote(s, into: &out)
        return out
    }

    /// Go's `%v` for a float64: shortest digits, `%e` style when the exponent is < -4 or >= 21.
    static func goFloat(_ d: Double) -> String {
        guard d.isFinite else { return d.isNaN ? "NaN" : (d < 0 ? "-Inf" : "+Inf") }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let negative = d < 0
        let text = "\(abs(d))"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var digits = ""
        var pointPosition = mantissa.count
        for (n, c) in mantissa.enumerated() {
            if c == "." { pointPosition = n } else { digits.append(c) }
        }
        var dp = pointPosition + exponent
        while digits.hasPrefix("0") { digits.removeFirst(); dp -= 1 }
        while digits.hasSuffix("0") { digits.removeLast() }
        if digits.isEmpty { return "0" }
        let exp = dp - 1
        var out = negative ? "-" : ""
        if exp < -4 || exp >= 21 {
            out += String(digits.first!)
            if digits.count > 1 { out += "." + digits.dropFirst() }
            out += exp < 0 ? "e-" : "e+"
            let magnitude = String(abs(exp))
            out += magnitude.count < 2 ? "0" + magnitude : magnitude
        } else if dp <= 0 {
            out += "0." + String(repeating: "0", count: -dp) + digits
        } else if dp >= digits.count {
            out += digits + String(repeating: "0", count: dp - digits.count)
        } else {
            out += digits.prefix(dp) + "." + digits.dropFirst(dp)
        }
        return out
    }
}

// MARK: - Regex cache

/// Compiled `pattern` regexes, shared by copies of a validator and safe to use from any thread.
final class RegexCache: Sendable {
    private struct Compiled: @unchecked Sendable {  // NSRegularExpression is immutable and thread-safe
        let regex: NSRegularExpression?
    }

    private let storage = Mutex<[String: Compiled]>([:])

    /// `nil` when the pattern does not compile (kube-apiserver would have refused such a CRD).
    func regex(_ pattern: String) -> NSRegularExpression? {
        if let hit = storage.withLock({ $0[pattern] }) { return hit.regex }
        let compiled = Compiled(regex: try? NSRegularExpression(pattern: Self.translate(pattern)))
        storage.withLock { $0[pattern] = compiled }
        return compiled.regex
    }

    /// RE2 → ICU: the few spellings ICU reads differently.
    private static func translate(_ pattern: String) -> String {
        // RE2 `(?P<name>…)` named groups are `(?<name>…)` in ICU.
        pattern.replacingOccurrences(of: "(?P<", with: "(?<")
    }
}

// MARK: - Formats

/// The string formats kube-apiserver checks (a loose reading of go-openapi/strfmt); unknown formats pass.
enum Formats {
    static func isValid(_ s: String, format: String) -> Bool {
        switch format {
        case "date-time", "datetime": return isDateTime(s)
        case "date": return matches(s, #"^\d{4}-\d{2}-\d{2}$"#)
        case "byte": return isBase64(s)
        case "uri": return isURI(s)
        case "hostname": return isHostname(s)
        case "ipv4": return isIPv4(s)
        case "ipv6": return isIPv6(s)
        case "cidr": return isCIDR(s)
        case "uuid": return matches(s, #"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"#)
        case "email": return matches(s, #"^[^@\s]+@[^@\s]+$"#)
        case "duration": return isDuration(s)
        default: return true
        }
    }

    private static let cache = RegexCache()

    private static func matches(_ s: String, _ pattern: String) -> Bool {
        guard let regex = cache.regex(pattern) else { return true }
        return regex.firstMatch(in: s, range: NSRange(s.startIndex..<s.endIndex, in: s)) != nil
    }

    static func isDateTime(_ s: String) -> Bool {
        guard matches(s, #"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"#) else {
            return false
        }
        let parts = s.split(whereSeparator: { !$0.isNumber }).prefix(6).compactMap { Int($0) }
        guard parts.count == 6 else { return false }
        return (1...12).contains(parts[1]) && (1...31).contains(parts[2]) && parts[3] < 24 && parts[4] < 60 && parts[5] <= 60
    }

    static func isBase64(_ s: String) -> Bool {
        if s.isEmpty { return true }
        return Data(base64Encoded: s) != nil
    }

    static func isURI(_ s: String) -> Bool {
        if s.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) { return false }
        return URL(string: s) != nil
    }

    static func isHostname(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 255 else { return false }
        let labels = s.hasSuffix(".") ? s.dropLast().split(separator: ".", omittingEmptySubsequences: false)
                                       : s.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            guard !label.isEmpty, label.utf8.count <= 63, label.first != "-", label.last != "-" else { return false }
            return label.unicodeScalars.allSatisfy { ($0.properties.isAlphabetic || $0.properties.numericType != nil) || $0 == "-" }
        }
    }

    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { p in
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCII), let n = Int(p) else { return false }
            return n <= 255 && (p.count == 1 || p.first != "0")
        }
    }

    static func isIPv6(_ s: String) -> Bool {
        guard s.contains(":") else { return false }
        var address = in6_addr()
        return s.withCString { inet_pton(AF_INET6, $0, &address) } == 1
    }

    static func isCIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]), parts[1].allSatisfy(\.isASCII) else { return false }
        if isIPv4(String(parts[0])) { return (0...32).contains(bits) }
        if isIPv6(String(parts[0])) { return (0...128).contains(bits) }
        return false
    }

    static func isDuration(_ s: String) -> Bool {
        matches(s, #"^[-+]?(\d+(\.\d+)?\s*(ns|us|µs|μs|ms|s|m|h|d|w))+$"#)
            || matches(s, #"^[-+]?\d+\s*(nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|ns|us|ms|s|m|h|d|w)$"#)
    }
}
