import Foundation

/// A set of `apiextensions.k8s.io/v1` CustomResourceDefinitions, indexed by (group, version, kind), each
/// version ready to validate objects with a ``SchemaValidator`` (structural schema checks, no CEL).
public struct CustomResourceDefinitionSet: Sendable {
    public enum Scope: String, Sendable, Hashable {
        case namespaced = "Namespaced"
        case cluster = "Cluster"
    }

    public struct Key: Sendable, Hashable, CustomStringConvertible {
        public var group: String
        public var version: String
        public var kind: String
        public init(group: String, version: String, kind: String) {
            self.group = group
            self.version = version
            self.kind = kind
        }
        public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
        public var description: String { "\(apiVersion), Kind=\(kind)" }
    }

    /// One version of one CRD.
    public struct Entry: Sendable {
        public var key: Key
        /// The CRD's `metadata.name`, e.g. `aigatewayroutes.aigateway.envoyproxy.io`.
        public var crdName: String
        public var plural: String
        public var singular: String
        public var listKind: String?
        public var shortNames: [String]
        public var categories: [String]
        public var scope: Scope
        public var served: Bool
        public var storage: Bool
        public var deprecated: Bool
        public var deprecationWarning: String?
        public var schema: JSONSchema
        public var validator: SchemaValidator
        /// The version's `subresources` (`status`, `scale`), or `nil`.
        public var subresources: JSONValue?
        /// The version's `additionalPrinterColumns`, or `[]`.
        public var additionalPrinterColumns: [JSONValue]

        public var group: String { key.group }
        public var version: String { key.version }
        public var kind: String { key.kind }
        public var apiVersion: String { key.apiVersion }
        public var hasStatusSubresource: Bool { subresources?["status"] != nil }
        public var hasScaleSubresource: Bool { subresources?["scale"] != nil }
    }

    public struct LoadError: Error, CustomStringConvertible {
        public var source: String
        public var reason: String
        public var description: String { "\(source): \(reason)" }
    }

    /// Every version of every CRD, served or not.
    public private(set) var entries: [Key: Entry] = [:]
    /// The CRDs' names (`plural.group`), in load order.
    public private(set) var crdNames: [String] = []

    public init() {}

    /// Reads every `CustomResourceDefinition` document in the texts; other documents are ignored.
    public init(yamlTexts: [String]) throws {
        try self.init(sources: yamlTexts.enumerated().map { ("document set \($0.offset)", $0.element) })
    }

    /// Every `*.yaml` / `*.yml` / `*.json` file in the directory (not recursive), in name order.
    public static func load(directory: String) throws -> Self {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json") }
            .sorted()
        let sources = try names.map { name -> (String, String) in
            let data = try Data(contentsOf: url.appendingPathComponent(name))
            return (name, String(decoding: data, as: UTF8.self))
        }
        return try Self(sources: sources)
    }

    private init(sources: [(name: String, text: String)]) throws {
        for (name, text) in sources {
            let documents: [JSONValue]
            do {
                documents = try YAMLReader.documents(text)
            } catch {
                throw LoadError(source: name, reason: "\(error)")
            }
            for document in documents where document["kind"] == "CustomResourceDefinition" {
                try add(document, source: name)
            }
        }
    }

    /// Adds one `apiextensions.k8s.io/v1` CRD object.
    public mutating func add(_ crd: JSONValue, source: String = "CustomResourceDefinition") throws {
        let name = crd[path: "metadata", "name"]?.stringValue ?? "<unnamed>"
        func fail(_ why: String) -> LoadError { LoadError(source: source, reason: "\(name): \(why)") }
        guard crd["apiVersion"] == "apiextensions.k8s.io/v1" else { throw fail("only apiextensions.k8s.io/v1 is supported") }
        guard let spec = crd["spec"]?.objectValue else { throw fail("spec is missing") }
        guard let group = spec["group"]?.stringValue else { throw fail("spec.group is missing") }
        guard let names = spec["names"], let kind = names["kind"]?.stringValue, let plural = names["plural"]?.stringValue
        else { throw fail("spec.names.kind and spec.names.plural are required") }
        let scope: Scope
        switch spec["scope"]?.stringValue {
        case "Namespaced": scope = .namespaced
        case "Cluster": scope = .cluster
        default: throw fail("spec.scope must be Namespaced or Cluster")
        }
        guard let versions = spec["versions"]?.arrayValue, !versions.isEmpty else { throw fail("spec.versions is empty") }
        for (n, version) in versions.enumerated() {
            guard let versionName = version["name"]?.stringValue else { throw fail("spec.versions[\(n)].name is missing") }
            var schema = JSONSchema(type: "object")
            schema.preserveUnknownFields = true
            if let json = version[path: "schema", "openAPIV3Schema"] {
                do {
                    schema = try JSONSchema(json: json, path: FieldPath(stringLiteral: "spec.versions[\(n)].schema.openAPIV3Schema"))
                } catch {
                    throw fail("\(error)")
                }
            }
            let key = Key(group: group, version: versionName, kind: kind)
            entries[key] = Entry(
                key: key,
                crdName: name,
                plural: plural,
                singular: names["singular"]?.stringValue ?? kind.lowercased(),
                listKind: names["listKind"]?.stringValue,
                shortNames: names["shortNames"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                categories: names["categories"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                scope: scope,
                served: version["served"]?.boolValue ?? false,
                storage: version["storage"]?.boolValue ?? false,
                deprecated: version["deprecated"]?.boolValue ?? false,
                deprecationWarning: version["deprecationWarning"]?.stringValue,
                schema: schema,
                validator: SchemaValidator(schema, isResourceRoot: true),
                subresources: version["subresources"],
                additionalPrinterColumns: version["additionalPrinterColumns"]?.arrayValue ?? [])
        }
        if !crdNames.contains(name) { crdNames.append(name) }
    }

    /// The served version that objects with this `apiVersion` and `kind` belong to.
    public func entry(apiVersion: String, kind: String) -> Entry? {
        let (group, version) = Self.split(apiVersion)
        guard let entry = entries[Key(group: group, version: version, kind: kind)], entry.served else { return nil }
        return entry
    }

    /// Served entries, sorted by group, kind, version.
    public var servedEntries: [Entry] {
        entries.values.filter(\.served).sorted {
            ($0.group, $0.kind, $0.version) < ($1.group, $1.kind, $1.version)
        }
    }

    /// Validates an object against the schema of the served CRD version its `apiVersion`/`kind` name.
    /// Objects no loaded CRD serves give one error on `apiVersion` or `kind`.
    public func validate(_ object: JSONValue) -> [FieldError] {
        guard case .object = object else {
            return [FieldError(.typeInvalid, .root, value: "\"\(object.typeName)\"", "must be of type object: \"\(object.typeName)\"")]
        }
        var errors: [FieldError] = []
        let apiVersion = object["apiVersion"]
        let kind = object["kind"]
        if apiVersion == nil { errors.append(.required("apiVersion")) }
        if kind == nil { errors.append(.required("kind")) }
        if let apiVersion, apiVersion.stringValue == nil {
            errors.append(.invalid("apiVersion", FieldError.render(apiVersion), "must be a string"))
        }
        if let kind, kind.stringValue == nil {
            errors.append(.invalid("kind", FieldError.render(kind), "must be a string"))
        }
        guard errors.isEmpty, let apiVersionString = apiVersion?.stringValue, let kindString = kind?.stringValue else {
            return errors
        }
        if let entry = entry(apiVersion: apiVersionString, kind: kindString) {
            return entry.validator.validate(object)
        }
        let (group, version) = Self.split(apiVersionString)
        let served = entries.values.filter(\.served)
        let sameKind = served.filter { $0.group == group && $0.kind == kindString }
        if !sameKind.isEmpty {
            let supported = sameKind.map(\.apiVersion).sorted().map(SchemaValidator.goQuote).joined(separator: ", ")
            return [FieldError(.notSupported, "apiVersion", value: FieldError.render(apiVersion!), "supported values: " + supported)]
        }
        let sameVersion = served.filter { $0.group == group && $0.version == version }
        if !sameVersion.isEmpty {
            let supported = Set(sameVersion.map(\.kind)).sorted().map(SchemaValidator.goQuote).joined(separator: ", ")
            return [FieldError(.notSupported, "kind", value: FieldError.render(kind!), "supported values: " + supported)]
        }
        let why = served.contains { $0.group == group }
            ? "no loaded CustomResourceDefinition serves version \"\(version)\" of group \"\(group)\""
            : "no loaded CustomResourceDefinition serves group \"\(group)\""
        return [.invalid("apiVersion", FieldError.render(apiVersion!), why)]
    }

    /// `group/version` → (group, version); a bare `v1` is the core group.
    static func split(_ apiVersion: String) -> (group: String, version: String) {
        guard let slash = apiVersion.lastIndex(of: "/") else { return ("", apiVersion) }
        return (String(apiVersion[..<slash]), String(apiVersion[apiVersion.index(after: slash)...]))
    }
}
