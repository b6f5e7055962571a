import KubeClient
import KubeCore

/// What a ``Watcher`` needs from the API: a consistent list, and a watch starting after a resourceVersion.
/// ``KubeListWatch`` implements it over ``KubeClient``; tests script their own.
public protocol ListWatchSource: Sendable {
    associatedtype Events: AsyncSequence<WatchEvent, any Error>

    /// A complete, consistent list (all pages) and its resourceVersion.
    func list() async throws -> ObjectList
    /// Events after `resourceVersion`; ends cleanly when the server closes the watch, throws ``KubeError``
    /// (`.gone` for 410) otherwise.
    func watch(resourceVersion: String) async throws -> Events
}

/// List/watch of one resource through ``KubeClient`` (optionally one namespace, label/field selectors).
public struct KubeListWatch: ListWatchSource {
    public let client: KubeClient
    public let resource: APIResource
    public let namespace: String?
    public var labelSelector: LabelSelector?
    public var fieldSelector: String?
    /// Asks the server to end each watch after this long (jittered by the server); the watcher resumes.
    public var timeoutSeconds: Int
    /// A watch silent for `timeoutSeconds` plus this long is presumed dead and resumed (see ``LiveWatch``).
    public var livenessMargin: Duration
    public var pageSize: Int
    public var clock: RuntimeClock

    public init(client: KubeClient, resource: APIResource, namespace: String? = nil,
                labelSelector: LabelSelector? = nil, fieldSelector: String? = nil, timeoutSeconds: Int = 290,
                livenessMargin: Duration = .seconds(30), pageSize: Int = 500, clock: RuntimeClock = .continuous) {
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.timeoutSeconds = timeoutSeconds
        self.livenessMargin = livenessMargin
        self.pageSize = pageSize
        self.clock = clock
    }

    /// How long a watch may stay silent before it is presumed dead.
    public var idleTimeout: Duration { .seconds(timeoutSeconds) + livenessMargin }

    public func list() async throws -> ObjectList {
        try await client.listAll(resource, namespace: namespace,
                                 options: ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector),
                                 pageSize: pageSize)
    }

    public func watch(resourceVersion: String) async throws -> LiveWatch<WatchStream> {
        LiveWatch(try await client.watch(resource, namespace: namespace, options: WatchOptions(
            labelSelector: labelSelector, fieldSelector: fieldSelector, resourceVersion: resourceVersion,
            allowWatchBookmarks: true, timeoutSeconds: timeoutSeconds)), idleTimeout: idleTimeout, clock: clock)
    }
}
