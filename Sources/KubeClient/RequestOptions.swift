import KubeCore

/// Query options of a list call.
public struct ListOptions: Sendable, Hashable {
    public var labelSelector: LabelSelector?
    /// `metadata.name=x,metadata.namespace!=y` style field selector.
    public var fieldSelector: String?
    /// Page size; the server returns a `continue` token when more remain.
    public var limit: Int?
    public var continueToken: String?
    /// `""`/nil: most recent (quorum read); `"0"`: any cached version.
    public var resourceVersion: String?

    public init(labelSelector: LabelSelector? = nil, fieldSelector: String? = nil, limit: Int? = nil,
                continueToken: String? = nil, resourceVersion: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
    }

    var query: [(String, String)] {
        var q: [(String, String)] = []
        if let labelSelector, !labelSelector.isEmpty { q.append(("labelSelector", labelSelector.description)) }
        if let fieldSelector, !fieldSelector.isEmpty { q.append(("fieldSelector", fieldSelector)) }
        if let limit { q.append(("limit", String(limit))) }
        if let continueToken { q.append(("continue", continueToken)) }
        if let resourceVersion { q.append(("resourceVersion", resourceVersion)) }
        return q
    }
}

/// Query options of a watch call.
public struct WatchOptions: Sendable, Hashable {
    public var labelSelector: LabelSelector?
    public var fieldSelector: String?
    /// Start after this version (from a list or a previous event/bookmark).
    public var resourceVersion: String?
    /// Ask for `BOOKMARK` events carrying the latest resourceVersion.
    public var allowWatchBookmarks: Bool
    /// The server ends the watch cleanly after this many seconds.
    public var timeoutSeconds: Int?

    public init(labelSelector: LabelSelector? = nil, fieldSelector: String? = nil, resourceVersion: String? = nil,
                allowWatchBookmarks: Bool = true, timeoutSeconds: Int? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.allowWatchBookmarks = allowWatchBookmarks
        self.timeoutSeconds = timeoutSeconds
    }

    var query: [(String, String)] {
        var q: [(String, String)] = [("watch", "true")]
        if let labelSelector, !labelSelector.isEmpty { q.append(("labelSelector", labelSelector.description)) }
        if let fieldSelector, !fieldSelector.isEmpty { q.append(("fieldSelector", fieldSelector)) }
        if let resourceVersion { q.append(("resourceVersion", resourceVersion)) }
        if allowWatchBookmarks { q.append(("allowWatchBookmarks", "true")) }
        if let timeoutSeconds { q.append(("timeoutSeconds", String(timeoutSeconds))) }
        return q
    }
}

/// Server-side apply parameters. Field manager is required by the API for apply.
public struct ApplyOptions: Sendable, Hashable {
    public var fieldManager: String
    /// Take ownership of fields other managers own instead of failing with a 409 conflict.
    public var force: Bool
    public var dryRun: Bool

    public init(fieldManager: String, force: Bool = false, dryRun: Bool = false) {
        self.fieldManager = fieldManager
        self.force = force
        self.dryRun = dryRun
    }
}

/// Options of create, update and patch calls.
public struct WriteOptions: Sendable, Hashable {
    public var fieldManager: String?
    public var dryRun: Bool

    public init(fieldManager: String? = nil, dryRun: Bool = false) {
        self.fieldManager = fieldManager
        self.dryRun = dryRun
    }
}

/// A patch body other than server-side apply.
public enum Patch: Sendable, Hashable {
    /// RFC 7386 JSON merge patch (`application/merge-patch+json`); idempotent.
    case merge(JSONValue)
    /// RFC 6902 JSON patch (`application/json-patch+json`): a list of operations.
    case json([JSONValue])

    var contentType: String {
        switch self {
        case .merge: "application/merge-patch+json"
        case .json: "application/json-patch+json"
        }
    }

    var body: JSONValue {
        switch self {
        case .merge(let v): v
        case .json(let ops): .array(ops)
        }
    }
}

/// Delete options (`metav1.DeleteOptions`).
public struct DeleteOptions: Sendable, Hashable {
    public enum PropagationPolicy: String, Sendable, Hashable {
        case orphan = "Orphan"
        case background = "Background"
        case foreground = "Foreground"
    }

    public var propagationPolicy: PropagationPolicy?
    /// Delete only if the object still has this uid / resourceVersion (409 otherwise).
    public var preconditionUID: String?
    public var preconditionResourceVersion: String?
    public var gracePeriodSeconds: Int?
    public var dryRun: Bool

    public init(propagationPolicy: PropagationPolicy? = nil, preconditionUID: String? = nil,
                preconditionResourceVersion: String? = nil, gracePeriodSeconds: Int? = nil, dryRun: Bool = false) {
        self.propagationPolicy = propagationPolicy
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.gracePeriodSeconds = gracePeriodSeconds
        self.dryRun = dryRun
    }

    var hasPreconditions: Bool { preconditionUID != nil || preconditionResourceVersion != nil }

    var body: JSONValue {
        var o = JSONObject([("kind", "DeleteOptions"), ("apiVersion", "v1")])
        if let propagationPolicy { o["propagationPolicy"] = .string(propagationPolicy.rawValue) }
        if let gracePeriodSeconds { o["gracePeriodSeconds"] = JSONValue(gracePeriodSeconds) }
        if hasPreconditions {
            var p = JSONObject()
            if let preconditionUID { p["uid"] = .string(preconditionUID) }
            if let preconditionResourceVersion { p["resourceVersion"] = .string(preconditionResourceVersion) }
            o["preconditions"] = .object(p)
        }
        if dryRun { o["dryRun"] = ["All"] }
        return .object(o)
    }
}

/// A subresource addressed by a call.
public enum Subresource: String, Sendable, Hashable {
    case status
    case scale
}

/// One page (or all pages) of a list.
public struct ObjectList: Sendable, Hashable {
    public var items: [JSONValue]
    /// The list's `metadata.resourceVersion`: watch from here to see every later change.
    public var resourceVersion: String
    /// Non-nil when more pages remain.
    public var continueToken: String?
    public var remainingItemCount: Int64?

    public init(items: [JSONValue], resourceVersion: String, continueToken: String? = nil,
                remainingItemCount: Int64? = nil) {
        self.items = items
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
        self.remainingItemCount = remainingItemCount
    }
}
