/// `metav1.Status` as kube-apiserver sends it for failures: `kind: Status`, `reason`, `details`, `code`.
/// The server side builds one with the factory functions (their messages are worded as kube-apiserver's);
/// the client side decodes one with ``init(json:)``.
public struct StatusBody: Error, Sendable, Hashable, CustomStringConvertible {
    /// One entry of `details.causes`.
    public struct Cause: Sendable, Hashable {
        /// `FieldValueInvalid`, `FieldValueRequired`, `FieldManagerConflict`, …
        public var reason: String?
        public var message: String
        public var field: String?
        public init(reason: String?, message: String, field: String?) {
            self.reason = reason
            self.message = message
            self.field = field
        }
    }

    public struct Details: Sendable, Hashable {
        public var name: String?
        public var group: String?
        /// The resource (`configmaps`) for most errors, the kind (`SemanticRoute`) for `Invalid`.
        public var kind: String?
        public var uid: String?
        public var causes: [Cause]
        public var retryAfterSeconds: Int?
        public init(name: String? = nil, group: String? = nil, kind: String? = nil, uid: String? = nil,
                    causes: [Cause] = [], retryAfterSeconds: Int? = nil) {
            self.name = name
            self.group = group
            self.kind = kind
            self.uid = uid
            self.causes = causes
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    /// The HTTP status code (`404`, `409`, `410`, `422`, …).
    public var code: Int
    /// `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `Expired`, `Gone`, `TooManyRequests`, …
    public var reason: String
    public var message: String
    public var details: Details?

    public init(code: Int, reason: String, message: String, details: Details? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    public var description: String { "\(code) \(reason): \(message)" }

    /// The body as kube-apiserver writes it.
    public var json: JSONValue {
        var o = JSONObject([("kind", "Status"), ("apiVersion", "v1"), ("metadata", .object(JSONObject())),
                            ("status", "Failure"), ("message", .string(message)), ("reason", .string(reason))])
        if let details {
            var d = JSONObject()
            if let name = details.name { d["name"] = .string(name) }
            if let group = details.group, !group.isEmpty { d["group"] = .string(group) }
            if let kind = details.kind { d["kind"] = .string(kind) }
            if let uid = details.uid { d["uid"] = .string(uid) }
            if !details.causes.isEmpty {
                d["causes"] = .array(details.causes.map { cause in
                    var c = JSONObject()
                    if let reason = cause.reason { c["reason"] = .string(reason) }
                    c["message"] = .string(cause.message)
                    if let field = cause.field { c["field"] = .string(field) }
                    return .object(c)
                })
            }
            if let retry = details.retryAfterSeconds { d["retryAfterSeconds"] = .int(Int64(retry)) }
            o["details"] = .object(d)
        }
        o["code"] = .int(Int64(code))
        return .object(o)
    }

    /// Decodes a `Status` body; `nil` when the value is not one.
    public init?(json: JSONValue) {
        guard json["kind"] == "Status", let code = json["code"]?.intValue else { return nil }
        self.code = Int(code)
        self.reason = json["reason"]?.stringValue ?? ""
        self.message = json["message"]?.stringValue ?? ""
        if let d = json["details"], d.objectValue != nil {
            let causes = (d["causes"]?.arrayValue ?? []).map { c in
                Cause(reason: c["reason"]?.stringValue, message: c["message"]?.stringValue ?? "",
                      field: c["field"]?.stringValue)
            }
            self.details = Details(name: d["name"]?.stringValue, group: d["group"]?.stringValue,
                                   kind: d["kind"]?.stringValue, uid: d["uid"]?.stringValue, causes: causes,
                                   retryAfterSeconds: d["retryAfterSeconds"]?.intValue.map { Int($0) })
        } else {
            self.details = nil
        }
    }
}

extension StatusBody {
    /// `configmaps` or `deployments.apps`, as kube-apiserver names a resource in messages.
    public static func qualified(_ resource: String, group: String) -> String {
        group.isEmpty ? resource : "\(resource).\(group)"
    }

    public static func notFound(resource: String, group: String, name: String) -> StatusBody {
        StatusBody(code: 404, reason: "NotFound",
                   message: "\(qualified(resource, group: group)) \"\(name)\" not found",
                   details: Details(name: name, group: group, kind: resource))
    }

    public static func alreadyExists(resource: String, group: String, name: String) -> StatusBody {
        StatusBody(code: 409, reason: "AlreadyExists",
                   message: "\(qualified(resource, group: group)) \"\(name)\" already exists",
                   details: Details(name: name, group: group, kind: resource))
    }

    /// A stale `resourceVersion` or a failed precondition.
    public static func conflict(resource: String, group: String, name: String,
                                why: String = "the object has been modified; please apply your changes to the latest version and try again") -> StatusBody {
        StatusBody(code: 409, reason: "Conflict",
                   message: "Operation cannot be fulfilled on \(qualified(resource, group: group)) \"\(name)\": \(why)",
                   details: Details(name: name, group: group, kind: resource))
    }

    /// 422: `Kind.group "name" is invalid: path: message` (several errors in brackets), one cause per error.
    public static func invalid(kind: String, group: String, name: String, errors: [FieldError]) -> StatusBody {
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        let list = errors.count == 1 ? errors[0].description : "[" + errors.map(\.description).joined(separator: ", ") + "]"
        return StatusBody(code: 422, reason: "Invalid", message: "\(qualifiedKind) \"\(name)\" is invalid: \(list)",
                          details: Details(name: name, group: group, kind: kind, causes: errors.map {
                              Cause(reason: $0.kind.causeReason, message: $0.message, field: $0.path.description)
                          }))
    }

    /// 410 for a watch or list from a resourceVersion older than the kept history.
    public static func expired(_ message: String) -> StatusBody {
        StatusBody(code: 410, reason: "Expired", message: message)
    }

    public static func badRequest(_ message: String) -> StatusBody {
        StatusBody(code: 400, reason: "BadRequest", message: message)
    }

    public static func methodNotAllowed(_ message: String = "the server does not allow this method on the requested resource") -> StatusBody {
        StatusBody(code: 405, reason: "MethodNotAllowed", message: message)
    }

    public static func notAcceptable(_ message: String) -> StatusBody {
        StatusBody(code: 406, reason: "NotAcceptable", message: message)
    }

    public static func unsupportedMediaType(_ contentType: String) -> StatusBody {
        StatusBody(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got \(contentType))")
    }

    public static func tooManyRequests(retryAfterSeconds: Int) -> StatusBody {
        StatusBody(code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
                   details: Details(retryAfterSeconds: retryAfterSeconds))
    }

    public static func internalError(_ message: String) -> StatusBody {
        StatusBody(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)",
                   details: Details(causes: [Cause(reason: nil, message: message, field: nil)]))
    }

    public static func notImplemented(_ message: String) -> StatusBody {
        StatusBody(code: 501, reason: "NotImplemented", message: message)
    }
}
