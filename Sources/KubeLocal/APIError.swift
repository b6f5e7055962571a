import KubeCore

/// A failed request, carried as the `Status` body kube-apiserver would send. Messages and reasons follow
/// kube-apiserver v1.32 (`k8s.io/apimachinery/pkg/api/errors`).
struct APIError: Error, Sendable, CustomStringConvertible {
    var status: Status
    /// Sent as the `Retry-After` header (429).
    var retryAfterSeconds: Int?

    init(code: Int, reason: String, message: String, details: Status.Details? = nil, retryAfterSeconds: Int? = nil) {
        status = Status(status: "Failure", message: message, reason: reason, details: details, code: code)
        self.retryAfterSeconds = retryAfterSeconds
    }

    var code: Int { status.code ?? 500 }
    var description: String { "\(code) \(status.reason ?? ""): \(status.message ?? "")" }

    /// `configmaps` or `deployments.apps`, as kube-apiserver names a resource in messages.
    static func qualified(_ resource: String, group: String) -> String {
        group.isEmpty ? resource : "\(resource).\(group)"
    }

    static func notFound(_ resource: String, group: String, name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(qualified(resource, group: group)) \"\(name)\" not found",
                 details: .init(name: name, group: group.isEmpty ? nil : group, kind: resource))
    }

    static func alreadyExists(_ resource: String, group: String, name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists",
                 message: "\(qualified(resource, group: group)) \"\(name)\" already exists",
                 details: .init(name: name, group: group.isEmpty ? nil : group, kind: resource))
    }

    static let staleMessage = "the object has been modified; please apply your changes to the latest version and try again"

    /// A stale `resourceVersion` or a failed precondition.
    static func conflict(_ resource: String, group: String, name: String, why: String = staleMessage) -> APIError {
        APIError(code: 409, reason: "Conflict",
                 message: "Operation cannot be fulfilled on \(qualified(resource, group: group)) \"\(name)\": \(why)",
                 details: .init(name: name, group: group.isEmpty ? nil : group, kind: resource))
    }

    /// 422 `Invalid`: `Kind.group "name" is invalid: path: message` (several errors in brackets).
    static func invalid(kind: String, group: String, name: String, errors: [FieldError]) -> APIError {
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        let list = errors.count == 1 ? errors[0].description : "[" + errors.map(\.description).joined(separator: ", ") + "]"
        return APIError(code: 422, reason: "Invalid", message: "\(qualifiedKind) \"\(name)\" is invalid: \(list)",
                        details: .init(name: name, group: group.isEmpty ? nil : group, kind: kind, causes: errors.map {
                            Status.Cause(reason: $0.kind.causeReason, message: $0.message, field: $0.path.description)
                        }))
    }

    static func expired(_ message: String) -> APIError { APIError(code: 410, reason: "Expired", message: message) }

    static func badRequest(_ message: String) -> APIError { APIError(code: 400, reason: "BadRequest", message: message) }

    static func forbidden(_ resource: String, group: String, name: String, why: String) -> APIError {
        APIError(code: 403, reason: "Forbidden",
                 message: "\(qualified(resource, group: group)) \"\(name)\" is forbidden: \(why)",
                 details: .init(name: name, group: group.isEmpty ? nil : group, kind: resource))
    }

    static func methodNotAllowed(_ message: String = "the server does not allow this method on the requested resource") -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: message)
    }

    static func notAcceptable(_ message: String) -> APIError { APIError(code: 406, reason: "NotAcceptable", message: message) }

    static func unsupportedMediaType(_ contentType: String, accepted: [String]) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType",
                 message: "the body of the request was in an unknown format - accepted media types include: "
                     + accepted.joined(separator: ", "))
    }

    static func tooManyRequests(retryAfterSeconds: Int) -> APIError {
        APIError(code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
                 details: .init(retryAfterSeconds: retryAfterSeconds), retryAfterSeconds: retryAfterSeconds)
    }

    static func internalError(_ message: String) -> APIError {
        APIError(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)",
                 details: .init(causes: [.init(message: message)]))
    }

    static func notImplemented(_ message: String) -> APIError {
        APIError(code: 501, reason: "NotImplemented", message: message)
    }

    /// Any Status code (fault injection).
    static func injected(code: Int, retryAfterSeconds: Int?) -> APIError {
        switch code {
        case 409: return APIError(code: 409, reason: "Conflict", message: "injected conflict: \(staleMessage)")
        case 410: return APIError(code: 410, reason: "Expired", message: "injected: too old resource version")
        case 429: return tooManyRequests(retryAfterSeconds: retryAfterSeconds ?? 1)
        case 500: return internalError("injected fault")
        case 503: return APIError(code: 503, reason: "ServiceUnavailable", message: "injected: the server is currently unable to handle the request")
        default: return APIError(code: code, reason: "Unknown", message: "injected fault with code \(code)")
        }
    }
}

extension APIError {
    /// The body as kube-apiserver writes it (with an empty `metadata`).
    var json: JSONValue {
        var o = JSONObject([("kind", "Status"), ("apiVersion", "v1"), ("metadata", .object(JSONObject())),
                            ("status", "Failure")])
        if let message = status.message { o["message"] = .string(message) }
        if let reason = status.reason { o["reason"] = .string(reason) }
        if let details = status.details, let encoded = try? JSONValue.encode(details), encoded.objectValue?.isEmpty == false {
            o["details"] = encoded
        }
        o["code"] = .int(Int64(code))
        return .object(o)
    }
}
