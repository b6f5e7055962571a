import Synchronization

/// Which decision served a request, by request id (`x-request-id`), for `POST /v1/feedback`: bounded in
/// count (the oldest entry goes first) and in age (`ttl`). Memory is a few hundred bytes per entry, so the
/// default 50,000 entries stay under about 25 MB even with long ids (ids over 128 bytes are not kept).
final class FeedbackLedger: Sendable {
    struct Entry: Sendable, Hashable {
        var decision: String
        var alias: String
        var recordedAt: ContinuousClock.Instant
    }

    static let maxIDBytes = 128
    /// The alias recorded for a semantic-cache hit: the answer came from the cache, not a model.
    static let cacheAlias = "cache"
    /// The decision recorded for a blocked request (its alias is the block reason, `pii` or `jailbreak`), so
    /// feedback on a refusal ("this was not a jailbreak") is counted too.
    static let blockedDecision = "blocked"

    private struct State {
        var entries: [String: (entry: Entry, sequence: UInt64)] = [:]
        /// Ids already rated: each request counts once.
        var rated: Set<String> = []
        /// Insertion order as a ring of (id, sequence): a slot is reused once the ring is full.
        var ring: [(id: String, sequence: UInt64)] = []
        var next: UInt64 = 0
    }

    let capacity: Int
    let ttl: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    init(capacity: Int = 50_000, ttl: Duration = .seconds(3600),
         now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.capacity = max(1, capacity)
        self.ttl = ttl
        self.now = now
    }

    /// Remembers the decision of request `id` (a later record of the same id replaces it).
    func record(id: String, decision: String, alias: String) {
        guard !id.isEmpty, id.utf8.count <= Self.maxIDBytes else { return }
        let entry = Entry(decision: decision, alias: alias, recordedAt: now())
        let capacity = self.capacity
        state.withLock { s in
            let sequence = s.next
            s.next += 1
            if s.ring.count < capacity {
                s.ring.append((id, sequence))
            } else {
                let slot = Int(sequence % UInt64(capacity))
                let evicted = s.ring[slot]
                // Only the entry that slot was written for: a newer record of the same id lives in another slot.
                if s.entries[evicted.id]?.sequence == evicted.sequence {
                    s.entries[evicted.id] = nil
                    s.rated.remove(evicted.id)
                }
                s.ring[slot] = (id, sequence)
            }
            s.entries[id] = (entry, sequence)
            s.rated.remove(id)
        }
    }

    /// The decision that served request `id`, or nil when unknown, evicted or older than the TTL.
    func lookup(id: String) -> Entry? {
        let cutoff = now() - ttl
        return state.withLock { Self.live(id, in: $0, since: cutoff) }
    }

    private static func live(_ id: String, in s: State, since cutoff: ContinuousClock.Instant) -> Entry? {
        guard let found = s.entries[id], found.entry.recordedAt >= cutoff else { return nil }
        return found.entry
    }

    var count: Int { state.withLock { $0.entries.count } }

    enum Claim: Equatable {
        case first(Entry)
        case alreadyRated
        case unknown
    }

    /// The decision of request `id` for its one rating: `.alreadyRated` after the first, so one request cannot
    /// be counted many times.
    func claim(id: String) -> Claim {
        let cutoff = now() - ttl
        return state.withLock { s in
            guard let entry = Self.live(id, in: s, since: cutoff) else { return .unknown }
            guard s.rated.insert(id).inserted else { return .alreadyRated }
            return .first(entry)
        }
    }

    /// Feedback labels become a metric label, so their number is bounded: the first `maxLabels` distinct ones
    /// are counted under their own name, later ones as `other`.
    static let maxLabels = 32
    private let labels = Mutex(Set<String>())

    func admit(label: String) -> String {
        labels.withLock { known in
            if known.contains(label) { return label }
            guard known.count < Self.maxLabels else { return "other" }
            known.insert(label)
            return label
        }
    }
}
