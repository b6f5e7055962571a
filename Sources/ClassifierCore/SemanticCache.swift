import Synchronization

/// Responses keyed by prompt embedding: a lookup hits when a stored entry of the same decision has cosine
/// similarity ≥ the threshold and has not expired. Bounded by `maxEntries` with least-recently-used
/// eviction. Thread-safe. Time comes from the injected `now` (monotonic), so TTL tests need no sleeping.
final class SemanticCache: Sendable {
    struct Entry {
        var embedding: [Float]
        var decision: String
        var body: [UInt8]
        var expires: Duration
        var lastUsed: UInt64
    }

    struct State {
        var entries: [Entry] = []
        var tick: UInt64 = 0
    }

    let similarityThreshold: Float
    let ttl: Duration
    let maxEntries: Int
    let now: @Sendable () -> Duration
    private let state = Mutex(State())

    init(similarityThreshold: Double, ttl: Duration, maxEntries: Int, now: @escaping @Sendable () -> Duration) {
        self.similarityThreshold = Float(similarityThreshold)
        self.ttl = ttl
        self.maxEntries = max(1, maxEntries)
        self.now = now
    }

    /// The best unexpired entry of `decision` at or above the threshold (it becomes most recently used).
    func lookup(_ embedding: [Float], decision: String) -> [UInt8]? {
        let t = now()
        return state.withLock { s in
            s.entries.removeAll { $0.expires <= t }
            var best: (index: Int, similarity: Float)?
            for (i, e) in s.entries.enumerated() where e.decision == decision {
                let sim = Self.dot(e.embedding, embedding)
                if sim >= similarityThreshold, sim > (best?.similarity ?? -2) { best = (i, sim) }
            }
            guard let best else { return nil }
            s.tick += 1
            s.entries[best.index].lastUsed = s.tick
            return s.entries[best.index].body
        }
    }

    /// Stores a response; evicts expired entries, then the least recently used beyond `maxEntries`.
    /// An entry for a near-identical prompt of the same decision is replaced rather than duplicated.
    func insert(_ embedding: [Float], decision: String, body: [UInt8]) {
        let t = now()
        state.withLock { s in
            s.entries.removeAll { $0.expires <= t }
            s.tick += 1
            let entry = Entry(embedding: embedding, decision: decision, body: body, expires: t + ttl, lastUsed: s.tick)
            if let same = s.entries.firstIndex(where: { $0.decision == decision && Self.dot($0.embedding, embedding) >= 0.9999 }) {
                s.entries[same] = entry
                return
            }
            if s.entries.count >= maxEntries, let lru = s.entries.indices.min(by: { s.entries[$0].lastUsed < s.entries[$1].lastUsed }) {
                s.entries.remove(at: lru)
            }
            s.entries.append(entry)
        }
    }

    var count: Int { state.withLock { $0.entries.count } }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for i in 0..<min(a.count, b.count) { sum += a[i] * b[i] }
        return sum
    }
}
