/// One line of a watch stream: `{"type":"ADDED","object":{…}}`.
public struct WatchEvent: Sendable, Hashable {
    public enum EventType: String, Sendable, Hashable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
        /// The object is a `Status` (e.g. 410 `Expired`).
        case error = "ERROR"
    }

    public var type: EventType
    public var object: JSONValue

    public init(_ type: EventType, _ object: JSONValue) {
        self.type = type
        self.object = object
    }

    public var json: JSONValue { .object(JSONObject([("type", .string(type.rawValue)), ("object", object)])) }

    /// Decodes one event; `nil` when `type` is missing or unknown or `object` is missing.
    public init?(json: JSONValue) {
        guard let raw = json["type"]?.stringValue, let type = EventType(rawValue: raw), let object = json["object"]
        else { return nil }
        self.type = type
        self.object = object
    }

    /// The object's `metadata.resourceVersion`, if any.
    public var resourceVersion: String? { object[path: "metadata", "resourceVersion"]?.stringValue }
}
