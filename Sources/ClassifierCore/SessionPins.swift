import Synchronization

/// Session pinning (`spec.session`): the decision a session got on its first classified turn, kept for its
/// later turns until the pin's TTL runs out (counted from the pin, not refreshed by use: a long session is
/// re-decided once per TTL). Per classifier replica and in memory only; bounded by `maxSessions`, the oldest
/// pin going first when full. Thread-safe; time comes from the injected monotonic `now`, so TTL tests need no
/// sleeping. Session ids are only map keys: never logged, never a metric label.
final class SessionPins: Sendable {
    /// The longest session id kept (bytes); longer ones are not pinned (they are classified every turn).
    static let maxIDBytes = 256

    struct Pin: Sendable, Equatable {
        /// The decision's name, or nil for the default (no decision matched).
        var decision: String?
        var expires: Duration
    }

    fileprivate struct State {
        var pins: [String: Pin] = [:]
        /// Pins in the order they were made (which is their expiry order: every pin lives `ttl`); entries whose
        /// session was pinned again later are skipped when they come up.
        var order: [(id: String, expires: Duration)] = []
        var head = 0
    }

    let ttl: Duration
    let maxSessions: Int
    let now: @Sendable () -> Duration
    fileprivate let state = Mutex(State())

    init(ttl: Duration, maxSessions: Int, now: @escaping @Sendable () -> Duration) {
        self.ttl = ttl
        self.maxSessions = max(1, maxSessions)
        self.now = now
    }

    /// Whether `id` can be pinned at all (non-empty, at most ``maxIDBytes``).
    static func accepts(_ id: String) -> Bool { !id.isEmpty && id.utf8.count <= maxIDBytes }

    /// The live pin of `id`, if any.
    func pin(of id: String) -> Pin? {
        let t = now()
        return state.withLock { s in
            guard let pin = s.pins[id], pin.expires > t else { return nil }
            return pin
        }
    }

    /// Pins `decision` (nil: the default) for `id` from now for ``ttl``, replacing an expired or stale pin.
    func pin(_ id: String, decision: String?) {
        let t = now()
        state.withLock { s in
            Self.evict(&s, at: t, keeping: s.pins[id] == nil ? maxSessions - 1 : maxSessions)
            let pin = Pin(decision: decision, expires: t + ttl)
            s.pins[id] = pin
            s.order.append((id, pin.expires))
        }
    }

    /// Forgets `id`'s pin (its decision no longer exists after a config change).
    func unpin(_ id: String) {
        _ = state.withLock { $0.pins.removeValue(forKey: id) }
    }

    /// Live pins (expired ones are dropped first).
    var count: Int {
        let t = now()
        return state.withLock { s in
            Self.evict(&s, at: t, keeping: Int.max)
            return s.pins.count
        }
    }

    /// Drops expired pins, then the oldest until at most `keeping` remain; compacts the order queue.
    fileprivate static func evict(_ s: inout State, at t: Duration, keeping: Int) {
        while s.head < s.order.count {
            let (id, expires) = s.order[s.head]
            guard let pin = s.pins[id], pin.expires == expires else { s.head += 1; continue } // superseded or removed
            guard expires <= t || s.pins.count > keeping else { break }
            s.pins[id] = nil
            s.head += 1
        }
        if s.head > 1024, s.head * 2 > s.order.count {
            s.order.removeFirst(s.head)
            s.head = 0
        }
    }
}

extension SessionPins {
    /// Takes over `other`'s live pins whose decision is in `decisions` (nil, the default, always is), keeping
    /// their expiry but never beyond this store's TTL from now: pins survive a config reload that keeps the
    /// session header, and a pin for a decision the new config dropped is forgotten.
    func absorb(_ other: SessionPins, decisions: Set<String>) {
        let t = now()
        let live = other.state.withLock { s in
            s.order[s.head...].compactMap { entry -> (String, Pin)? in
                guard let pin = s.pins[entry.id], pin.expires == entry.expires, pin.expires > t else { return nil }
                return (entry.id, pin)
            }
        }
        state.withLock { s in
            for (id, var pin) in live where pin.decision.map(decisions.contains) ?? true {
                pin.expires = min(pin.expires, t + ttl)
                Self.evict(&s, at: t, keeping: s.pins[id] == nil ? maxSessions - 1 : maxSessions)
                s.pins[id] = pin
                s.order.append((id, pin.expires))
            }
        }
    }
}
