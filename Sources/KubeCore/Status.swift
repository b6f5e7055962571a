/// `metav1.Status`: the body kube-apiserver sends with every failed request (and for some successful deletes).
public struct Status: Sendable, Hashable, Codable {
    /// One problem with one field (`metav1.StatusCause`); `reason` is e.g. `FieldValueInvalid`.
    public struct Cause: Sendable, Hashable, Codable {
        public var reason: String?
        public var message: String?
        public var field: String?

        public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
            self.reason = reason
            self.message = message
            self.field = field
        }
    }

    /// `metav1.StatusDetails`.
    public struct Details: Sendable, Hashable, Codable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var uid: String?
        public var causes: [Cause]?
        public var retryAfterSeconds: Int?

        public init(name: String? = nil, group: String? = nil, kind: String? = nil, uid: String? = nil,
                    causes: [Cause]? = nil, retryAfterSeconds: Int? = nil) {
            self.name = name
            self.group = group
            self.kind = kind
            self.uid = uid
            self.causes = causes
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    public var kind: String? = "Status"
    public var apiVersion: String? = "v1"
    /// `Success` or `Failure`.
    public var status: String?
    public var message: String?
    /// A `metav1.StatusReason`: `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `Expired`, `Gone`, ...
    public var reason: String?
    public var details: Details?
    public var code: Int?

    public init(status: String? = "Failure", message: String? = nil, reason: String? = nil, details: Details? = nil,
                code: Int? = nil) {
        self.status = status
        self.message = message
        self.reason = reason
        self.details = details
        self.code = code
    }

    /// Reads a Status from JSON; `nil` when the value is not a `kind: Status` object.
    public init?(json: JSONValue) {
        guard json["kind"]?.stringValue == "Status", let decoded = try? json.decode(Status.self) else { return nil }
        self = decoded
    }

    public var json: JSONValue {
        (try? JSONValue.encode(self)) ?? ["kind": "Status", "apiVersion": "v1"]
    }
}
