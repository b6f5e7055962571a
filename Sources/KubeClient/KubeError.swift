import Foundation
import KubeCore

/// A failed API call, decoded from the HTTP status and the `Status` body kube-apiserver sends.
public enum KubeError: Error, Sendable, CustomStringConvertible {
    /// 404 / `NotFound`.
    case notFound(Status)
    /// 409 / `AlreadyExists` (create of an existing name).
    case alreadyExists(Status)
    /// 409 / `Conflict`: stale resourceVersion, failed precondition, or a server-side-apply field conflict.
    case conflict(Status)
    /// 410 / `Expired` or `Gone`: the resourceVersion is too old (watch or list continue token); relist.
    case gone(Status)
    /// 422 / `Invalid` (and 400 `BadRequest`): the object or request is wrong; `causes` name the fields.
    case invalid(Status, causes: [Status.Cause])
    /// 403 / `Forbidden`.
    case forbidden(Status)
    /// 401 / `Unauthorized`.
    case unauthorized(Status)
    /// 429 / `TooManyRequests`; `retryAfter` from the `Retry-After` header or `details.retryAfterSeconds`.
    case tooManyRequests(Status, retryAfter: Duration?)
    /// Other statuses (5xx and anything unexpected, e.g. 405, 501); `retryAfter` as for 429.
    case server(code: Int, Status, retryAfter: Duration?)
    /// The request never got an HTTP answer (connect, TLS, reset, timeout) or the answer could not be read.
    case transport(String)

    /// Maps an HTTP code and its (possibly absent) Status body to the typed error, as apimachinery's
    /// `errors.FromObject` + `IsXxx` helpers do: the reason decides where present, the code otherwise.
    public init(code: Int, status: Status?, retryAfterHeader: String? = nil) {
        let status = status ?? Status(message: "the server responded with HTTP \(code)", reason: nil, code: code)
        let retryAfter = Self.retryAfter(header: retryAfterHeader, status: status)
        switch (status.reason, code) {
        case ("NotFound", _), (nil, 404): self = .notFound(status)
        case ("AlreadyExists", _): self = .alreadyExists(status)
        case ("Conflict", _), (nil, 409): self = .conflict(status)
        case ("Expired", _), ("Gone", _), (_, 410): self = .gone(status)
        case ("Invalid", _), ("BadRequest", _), (nil, 422), (nil, 400):
            self = .invalid(status, causes: status.details?.causes ?? [])
        case ("Forbidden", _), (nil, 403): self = .forbidden(status)
        case ("Unauthorized", _), (nil, 401): self = .unauthorized(status)
        case ("TooManyRequests", _), (_, 429): self = .tooManyRequests(status, retryAfter: retryAfter)
        default: self = .server(code: code, status, retryAfter: retryAfter)
        }
    }

    static func retryAfter(header: String?, status: Status) -> Duration? {
        if let header, let seconds = Int(header.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return .seconds(seconds) }
        if let seconds = status.details?.retryAfterSeconds, seconds >= 0 { return .seconds(seconds) }
        return nil
    }

    /// The Status body, if the server sent one.
    public var status: Status? {
        switch self {
        case .notFound(let s), .alreadyExists(let s), .conflict(let s), .gone(let s), .forbidden(let s),
             .unauthorized(let s): s
        case .invalid(let s, _), .tooManyRequests(let s, _), .server(_, let s, _): s
        case .transport: nil
        }
    }

    /// The HTTP status code (0 for transport errors).
    public var code: Int {
        switch self {
        case .notFound: 404
        case .alreadyExists, .conflict: 409
        case .gone: 410
        case .invalid(let s, _): s.code ?? 422
        case .forbidden: 403
        case .unauthorized: 401
        case .tooManyRequests: 429
        case .server(let code, _, _): code
        case .transport: 0
        }
    }

    /// A server-suggested wait before retrying.
    public var retryAfter: Duration? {
        switch self {
        case .tooManyRequests(_, let d), .server(_, _, let d): d
        default: nil
        }
    }

    /// Worth retrying after a wait: 429, 5xx, transport failures. (Whether a call *may* be retried also
    /// depends on whether it is idempotent; see ``RetryPolicy``.)
    public var isTransient: Bool {
        switch self {
        case .tooManyRequests, .transport: true
        case .server(let code, _, _): code >= 500
        case .conflict: false
        default: false
        }
    }

    /// The server refused the object itself (schema, CEL rule, admission, RBAC): sending the same object again
    /// will not help.
    public var isRejection: Bool { code == 400 || code == 422 || code == 403 }

    /// The server's message with each field cause of an `Invalid` answer appended, for status and Events.
    public var detailedMessage: String {
        guard case .invalid(_, let causes) = self, !causes.isEmpty else { return message }
        let detail = causes.map { "\($0.field ?? ""): \($0.message ?? "")" }.joined(separator: "; ")
        return message.contains(detail) ? message : "\(message) (\(detail))"
    }

    /// A short PascalCase reason for metrics labels and Events (`NotFound`, `Conflict`, `Transport`, ...).
    public var reason: String {
        switch self {
        case .notFound: "NotFound"
        case .alreadyExists: "AlreadyExists"
        case .conflict: "Conflict"
        case .gone: "Gone"
        case .invalid: "Invalid"
        case .forbidden: "Forbidden"
        case .unauthorized: "Unauthorized"
        case .tooManyRequests: "TooManyRequests"
        case .server(let code, _, _): code >= 500 ? "ServerError" : "UnexpectedStatus"
        case .transport: "Transport"
        }
    }

    public var message: String {
        switch self {
        case .transport(let m): m
        default: status?.message ?? "HTTP \(code)"
        }
    }

    public var description: String {
        switch self {
        case .invalid(_, let causes) where !causes.isEmpty && !(message.contains(causes[0].field ?? "\u{0}")):
            let list = causes.map { "\($0.field ?? ""): \($0.message ?? "")" }.joined(separator: "; ")
            return "\(reason) (\(code)): \(message): \(list)"
        case .transport(let m): return "transport error: \(m)"
        default: return "\(reason) (\(code)): \(message)"
        }
    }
}
