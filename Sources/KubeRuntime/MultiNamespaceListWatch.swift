import KubeClient
import KubeCore
import Synchronization

/// List/watch of one resource in several namespaces, one request per namespace, for a controller whose RBAC
/// grants only those namespaces (a Role in each; no cluster-wide list or watch).
///
/// The list is the union of the namespaces' lists. The watch is one watch per namespace, merged. Each namespace
/// keeps its own resumption point: the resourceVersion of its own list, then of the last event or bookmark from
/// its stream *that the watcher consumed*. A re-watch (after a clean end, a dropped connection or a backoff)
/// resumes every namespace from its own point, so nothing is lost or replayed; the `resourceVersion` the
/// ``Watcher`` passes in is a merged value and is not used. A 410 from any namespace ends the merged watch with
/// it, and the watcher relists every namespace. A clean end of any namespace's stream ends the merged watch
/// cleanly (the server's timeout); the others are cancelled and resumed with it.
public struct MultiNamespaceListWatch: ListWatchSource {
    public let sources: [KubeListWatch]
    private let positions = Positions()

    /// `base` gives the client, resource and selectors (its namespace is ignored); one copy per namespace is made.
    public init(_ base: KubeListWatch, namespaces: [String]) {
        sources = Array(Set(namespaces)).sorted().map { namespace in
            KubeListWatch(client: base.client, resource: base.resource, namespace: namespace,
                          labelSelector: base.labelSelector, fieldSelector: base.fieldSelector,
                          timeoutSeconds: base.timeoutSeconds, livenessMargin: base.livenessMargin,
                          pageSize: base.pageSize, clock: base.clock)
        }
    }

    public func list() async throws -> ObjectList {
        var items: [JSONValue] = []
        var versions: [String: String] = [:]
        for source in sources {
            let list = try await source.list()
            items += list.items
            versions[source.namespace ?? ""] = list.resourceVersion
        }
        positions.reset(versions)
        // Only a label for logs and metrics: each namespace resumes from its own position.
        let newest = versions.values.max { (Int64($0) ?? 0) < (Int64($1) ?? 0) } ?? "0"
        return ObjectList(items: items, resourceVersion: newest)
    }

    public func watch(resourceVersion: String) async throws -> MergedWatch {
        let starts = positions.current()
        var streams: [(String, KubeListWatch.Events)] = []
        for source in sources {
            let namespace = source.namespace ?? ""
            guard let start = starts[namespace] else {
                throw KubeError.gone(Status(status: "Failure", message: "no list of namespace \(namespace) yet", reason: "Expired", code: 410))
            }
            streams.append((namespace, try await source.watch(resourceVersion: start)))
        }
        return MergedWatch(streams: streams, positions: positions)
    }

    /// Where each namespace's next watch starts.
    final class Positions: Sendable {
        private let versions = Mutex<[String: String]>([:])
        func reset(_ new: [String: String]) { versions.withLock { $0 = new } }
        func current() -> [String: String] { versions.withLock { $0 } }
        func advance(_ namespace: String, to version: String) { versions.withLock { $0[namespace] = version } }
    }

    /// The namespaces' watch streams as one; consuming an event advances its namespace's position.
    public struct MergedWatch: AsyncSequence, Sendable {
        public typealias Element = WatchEvent
        let streams: [(String, KubeListWatch.Events)]
        let positions: Positions

        public func makeAsyncIterator() -> Iterator {
            let (merged, continuation) = AsyncThrowingStream<(String, WatchEvent), any Error>.makeStream()
            let streams = self.streams
            // One reader per namespace, all cancelled when the merged stream terminates: one stream finished or
            // failed, or the consumer dropped its iterator or was cancelled.
            let readers = Task {
                await withTaskGroup(of: Void.self) { group in
                    for (namespace, stream) in streams {
                        group.addTask {
                            do {
                                for try await event in stream { continuation.yield((namespace, event)) }
                                continuation.finish()
                            } catch {
                                continuation.finish(throwing: error)
                            }
                        }
                    }
                }
            }
            continuation.onTermination = { _ in readers.cancel() }
            return Iterator(base: merged.makeAsyncIterator(), positions: positions)
        }

        public struct Iterator: AsyncIteratorProtocol {
            var base: AsyncThrowingStream<(String, WatchEvent), any Error>.AsyncIterator
            let positions: Positions

            public mutating func next() async throws -> WatchEvent? {
                guard let (namespace, event) = try await base.next() else { return nil }
                // Error events never get here: the namespace's stream throws them (KubeError).
                if let version = event.resourceVersion, !version.isEmpty { positions.advance(namespace, to: version) }
                return event
            }
        }
    }
}
