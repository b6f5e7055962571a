/// One event of a Kubernetes watch stream (`metav1.WatchEvent`): `{"type": ..., "object": ...}`.
public struct WatchEvent: Sendable, Hashable {
    public enum EventType: String, Sendable, Hashable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
        case error = "ERROR"
    }

    public var type: EventType
    /// The object; for `ERROR` a `Status`, for `BOOKMARK` an object carrying only `metadata.resourceVersion`.
    public var object: JSONValue

    public init(type: EventType, object: JSONValue) {
        self.type = type
        self.object = object
    }

    /// Reads a watch event from its JSON form; the error names the field that is wrong.
    public init(json: JSONValue) throws(FieldError) {
        guard case .object = json else {
            throw FieldError(.typeInvalid, FieldPath(), "watch event must be an object")
        }
        guard let typeName = json["type"]?.stringValue else {
            throw FieldError(.required, "type", "watch event has no type")
        }
        guard let type = EventType(rawValue: typeName) else {
            throw FieldError(.notSupported, "type", "unknown watch event type \"\(typeName)\"")
        }
        guard let object = json["object"], case .object = object else {
            throw FieldError(.required, "object", "watch event has no object")
        }
        self.init(type: type, object: object)
    }

    public var json: JSONValue { ["type": .string(type.rawValue), "object": object] }

    /// `object.metadata.resourceVersion`, if present.
    public var resourceVersion: String? { object[path: "metadata", "resourceVersion"]?.stringValue }
}
