import KubeCore

/// Strict decoding of SemanticRoute documents: the object is checked against the CRD's own schema first
/// (types, enums, patterns, bounds, unknown fields — each error with its path), then decoded, then the
/// cross-field rules run. What `semroute validate` reports and what the operator puts into status.
public enum SemanticRouteDecoder {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var errors: [FieldError]
        /// The input is not YAML at all (``decodeAll(yaml:)``): the problem with its position, also in `errors`.
        public var syntax: YAMLReader.Error?
        public init(_ errors: [FieldError], syntax: YAMLReader.Error? = nil) {
            self.errors = errors
            self.syntax = syntax
        }
        public var description: String { errors.lines.joined(separator: "\n") }
    }

    static let validator = SchemaValidator(SemanticRoute.schema)

    /// Decodes and validates one object. Every problem found is reported, not just the first: schema errors
    /// (unknown fields, types, bounds) and, when the object still decodes, the cross-field rules too. A `null`
    /// field that is not nullable counts as absent, as kube-apiserver treats it.
    public static func decode(_ input: JSONValue) -> Result<SemanticRoute, Failure> {
        let json = validator.droppingNonNullableNulls(input)
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
        let route: SemanticRoute
        do {
            // Unknown fields are already reported; the cross-field rules run on what the server would keep.
            route = try validator.pruned(json).value.decode(SemanticRoute.self)
        } catch let error as DecodingError {
            // The schema check names these problems better; a decoding error only adds what it missed.
            return .failure(Failure(errors.isEmpty ? [Self.fieldError(error)] : errors))
        } catch {
            return .failure(Failure(errors.isEmpty ? [FieldError(.invalid, .root, "\(error)")] : errors))
        }
        let reported = Set(errors.map(\.path))
        errors += SemanticRouteValidator.validate(route).filter { !reported.contains($0.path) }
        return errors.isEmpty ? .success(route) : .failure(Failure(errors))
    }

    /// A Codable error as a field error: the path from its coding path, the reason in the API's words.
    static func fieldError(_ error: DecodingError) -> FieldError {
        func path(_ keys: [any CodingKey]) -> FieldPath {
            FieldPath(keys.map { key in key.intValue.map { .index($0) } ?? .key(key.stringValue) })
        }
        switch error {
        case .typeMismatch(let type, let context):
            return FieldError(.typeInvalid, path(context.codingPath), "must be of type \(type)")
        case .valueNotFound(_, let context):
            return FieldError(.required, path(context.codingPath), "must not be null")
        case .keyNotFound(let key, let context):
            return FieldError(.required, path(context.codingPath + [key]))
        case .dataCorrupted(let context):
            return FieldError(.invalid, path(context.codingPath), context.debugDescription)
        @unknown default:
            return FieldError(.invalid, .root, "\(error)")
        }
    }

    /// Every document of a YAML or JSON stream. Errors of documents after the first carry a
    /// `document N:` prefix in their path so users find them in multi-document files.
    public static func decodeAll(yaml text: String) -> Result<[SemanticRoute], Failure> {
        let documents: [JSONValue]
        do {
            documents = try YAMLReader.documents(text)
        } catch let error as YAMLReader.Error {
            return .failure(Failure([FieldError(.invalid, .root, "\(error)")], syntax: error))
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
