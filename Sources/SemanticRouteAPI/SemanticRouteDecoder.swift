import KubeCore

/// Strict decoding of SemanticRoute documents: the object is checked against the CRD's own schema first
/// (types, enums, patterns, bounds, unknown fields — each error with its path), then decoded, then the
/// cross-field rules run. What `semroute validate` reports and what the operator puts into status.
public enum SemanticRouteDecoder {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var errors: [FieldError]
        public init(_ errors: [FieldError]) { self.errors = errors }
        public var description: String { errors.lines.joined(separator: "\n") }
    }

    static let validator = SchemaValidator(SemanticRoute.schema)

    /// Decodes and validates one object. Every problem found is reported, not just the first.
    public static func decode(_ json: JSONValue) -> Result<SemanticRoute, Failure> {
        var errors: [FieldError] = []
        if json["apiVersion"]?.stringValue != SemanticRoute.apiVersion {
            errors.append(.invalid("apiVersion", json["apiVersion"].map(FieldError.render) ?? "null", "must be \(SemanticRoute.apiVersion)"))
        }
        if json["kind"]?.stringValue != SemanticRoute.kind {
            errors.append(.invalid("kind", json["kind"].map(FieldError.render) ?? "null", "must be \(SemanticRoute.kind)"))
        }
        guard errors.isEmpty else { return .failure(Failure(errors)) }
        errors = validator.validate(json)
        if let meta = json["metadata"], meta.objectValue == nil {
            errors.append(FieldError(.typeInvalid, "metadata", value: FieldError.render(meta), "must be an object"))
        }
        guard errors.isEmpty else { return .failure(Failure(errors)) }
        let route: SemanticRoute
        do {
            route = try json.decode(SemanticRoute.self)
        } catch {
            return .failure(Failure([FieldError(.invalid, .root, "could not decode: \(error)")]))
        }
        let semantic = SemanticRouteValidator.validate(route)
        return semantic.isEmpty ? .success(route) : .failure(Failure(semantic))
    }

    /// Every document of a YAML or JSON stream. Errors of documents after the first carry a
    /// `document N:` prefix in their path so users find them in multi-document files.
    public static func decodeAll(yaml text: String) -> Result<[SemanticRoute], Failure> {
        let documents: [JSONValue]
        do {
            documents = try YAMLReader.documents(text)
        } catch {
            return .failure(Failure([FieldError(.invalid, .root, "\(error)")]))
        }
        if documents.isEmpty { return .failure(Failure([FieldError(.required, .root, "the input holds no document")])) }
        var routes: [SemanticRoute] = []
        var errors: [FieldError] = []
        for (n, document) in documents.enumerated() {
            // A `kind: List` (as `kubectl get -o yaml` prints) contributes its items.
            let items = document["kind"]?.stringValue == "List" ? (document["items"]?.arrayValue ?? []) : [document]
            for item in items {
                switch decode(item) {
                case .success(let route): routes.append(route)
                case .failure(let failure):
                    errors += failure.errors.map { e in
                        guard documents.count > 1 else { return e }
                        var e = e
                        e.path = FieldPath([.key("document[\(n)]")]) / e.path
                        return e
                    }
                }
            }
        }
        return errors.isEmpty ? .success(routes) : .failure(Failure(errors))
    }
}
