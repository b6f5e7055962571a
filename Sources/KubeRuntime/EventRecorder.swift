import Foundation
import KubeClient
import KubeCore
import Logging
import Synchronization

/// Records `events.k8s.io/v1` Events about objects. An event repeated (same object, type, reason, action and
/// note) within ``window`` is not created again: the existing Event's `series` (count, lastObservedTime) is
/// updated instead, as client-go's event broadcaster does. Recording is best effort: failures are logged,
/// never thrown (an Event must not fail a reconcile).
public final class EventRecorder: Sendable {
    public enum EventType: String, Sendable {
        case normal = "Normal"
        case warning = "Warning"
    }

    /// The object an event is about.
    public struct Regarding: Sendable, Hashable {
        public var apiVersion: String
        public var kind: String
        public var namespace: String?
        public var name: String
        public var uid: String?

        public init(apiVersion: String, kind: String, namespace: String?, name: String, uid: String? = nil) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.namespace = namespace
            self.name = name
            self.uid = uid
        }

        /// From an object's apiVersion, kind and metadata; nil when they are missing.
        public init?(object: JSONValue) {
            guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue,
                  let name = object[path: "metadata", "name"]?.stringValue else { return nil }
            self.init(apiVersion: apiVersion, kind: kind, namespace: object[path: "metadata", "namespace"]?.stringValue,
                      name: name, uid: object[path: "metadata", "uid"]?.stringValue)
        }

        var json: JSONValue {
            var o = JSONObject([("apiVersion", .string(apiVersion)), ("kind", .string(kind)), ("name", .string(name))])
            if let namespace { o["namespace"] = .string(namespace) }
            if let uid { o["uid"] = .string(uid) }
            return .object(o)
        }
    }

    struct SeriesKey: Hashable {
        var regarding: Regarding
        var type: EventType
        var reason: String
        var action: String
        var note: String
    }

    struct Series {
        var namespace: String
        var name: String
        var count: Int
        var firstSeen: Duration
    }

    public let reportingController: String
    public let reportingInstance: String
    /// Repeats within this window update the existing Event instead of creating one.
    public let window: Duration
    /// Events about cluster-scoped objects go here.
    public let defaultNamespace: String
    private let client: KubeClient
    private let clock: RuntimeClock
    private let logger: Logger
    private let series = Mutex<[SeriesKey: Series]>([:])

    public init(client: KubeClient, reportingController: String, reportingInstance: String,
                window: Duration = .seconds(600), defaultNamespace: String = "default",
                clock: RuntimeClock = .continuous, logger: Logger) {
        self.client = client
        self.reportingController = reportingController
        self.reportingInstance = reportingInstance
        self.window = window
        self.defaultNamespace = defaultNamespace
        self.clock = clock
        self.logger = logger
    }

    /// Records an event; `note` is cut to 1 KiB as the API requires.
    public func record(_ type: EventType, regarding: Regarding, reason: String, action: String, note: String) async {
        let note = note.count > 1024 ? String(note.prefix(1021)) + "..." : note
        let key = SeriesKey(regarding: regarding, type: type, reason: reason, action: action, note: note)
        let now = clock.now
        let wallNow = MicroTime.string(Date())
        let existing = series.withLock { s -> Series? in
            // Forget series older than the window, so memory stays bounded.
            s = s.filter { now - $0.value.firstSeen < window }
            return s[key]
        }
        if var existing {
            existing.count += 1
            let patch: JSONValue = ["series": ["count": .int(Int64(existing.count)),
                                               "lastObservedTime": .string(wallNow)]]
            do {
                _ = try await client.patch(.events, namespace: existing.namespace, name: existing.name, .merge(patch))
                series.withLock { $0[key] = existing }
                return
            } catch KubeError.notFound {
                series.withLock { _ = $0.removeValue(forKey: key) }
            } catch {
                logger.warning("updating an event series failed", metadata: ["error": "\(error)", "event.reason": "\(reason)"])
                return
            }
        }
        let namespace = regarding.namespace ?? defaultNamespace
        let name = "\(regarding.name).\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        let event: JSONValue = [
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "eventTime": .string(wallNow),
            "reportingController": .string(reportingController),
            "reportingInstance": .string(reportingInstance),
            "action": .string(action), "reason": .string(reason), "note": .string(note),
            "type": .string(type.rawValue), "regarding": regarding.json,
        ]
        do {
            _ = try await client.create(.events, namespace: namespace, event)
            series.withLock { $0[key] = Series(namespace: namespace, name: name, count: 1, firstSeen: now) }
        } catch {
            logger.warning("recording an event failed", metadata: ["error": "\(error)", "event.reason": "\(reason)"])
        }
    }
}
