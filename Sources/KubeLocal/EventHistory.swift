import KubeCore

/// A bounded ring of the most recent changes, so a watch can resume from a recent resourceVersion.
/// A watch from a resourceVersion older than what is kept gets 410 `Expired`, as from kube-apiserver.
struct EventHistory: Sendable {
    struct Entry: Sendable {
        var revision: Int64
        var storeKey: String
        var type: WatchEvent.EventType
        var object: JSONValue
        /// The object before a modification (so watches with selectors can tell enter/leave).
        var previous: JSONValue?
    }

    let capacity: Int
    private var ring: [Entry] = []
    private var start = 0
    /// Every change after this revision is still kept.
    private(set) var oldestRetained: Int64 = 0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    mutating func append(_ entry: Entry) {
        if ring.count < capacity {
            ring.append(entry)
        } else {
            oldestRetained = ring[start].revision
            ring[start] = entry
            start = (start + 1) % capacity
        }
    }

    /// Forgets everything up to `revision` (after loading a snapshot).
    mutating func markCompacted(at revision: Int64) { oldestRetained = revision }

    /// Whether every change after `revision` is still kept.
    func covers(after revision: Int64) -> Bool { revision >= oldestRetained }

    /// Changes after `revision`, oldest first.
    func entries(after revision: Int64) -> [Entry] {
        var out: [Entry] = []
        for i in 0..<ring.count {
            let entry = ring[(start + i) % ring.count]
            if entry.revision > revision { out.append(entry) }
        }
        return out
    }
}
