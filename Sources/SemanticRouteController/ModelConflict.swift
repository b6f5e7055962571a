/// Why a route yields its model names to others on its Gateway, the Gateway API way: routes are taken in
/// precedence order (oldest first, then `namespace/name`, see ``ModelClaims/precedes(_:)``); each one is accepted
/// unless it shares a name with a route accepted before it. A route that lost does not block the routes after
/// it. Pure: the reconciler passes the claims it reads from the route store.
public struct ModelConflict: Sendable, Hashable {
    /// An accepted route that precedes the loser and the names it holds that the loser also claims.
    public struct Winner: Sendable, Hashable {
        /// `namespace/name`.
        public var route: String
        /// Sorted.
        public var names: [String]
    }

    /// The Gateway the routes share (`namespace/name`).
    public var gateway: String
    /// In precedence order; the first is the oldest.
    public var winners: [Winner]

    /// Every contested name, sorted.
    public var names: [String] { Array(Set(winners.flatMap(\.names))).sorted() }

    /// For the condition and the Event: names the winners and the contested names.
    public var message: String {
        let held = winners.map { "\($0.names.joined(separator: ", ")) by \($0.route)" }.joined(separator: "; ")
        return "model name(s) already claimed on Gateway \(gateway) by an older route: \(held); "
            + "this route renders nothing while it conflicts"
    }

    /// The conflict `route` loses among `others` (routes on any Gateway; only those on its own count), or nil
    /// when it is accepted.
    public static func of(_ route: ModelClaims, among others: [ModelClaims]) -> ModelConflict? {
        let candidates = others.filter { $0.gateway == route.gateway && $0.route != route.route && $0.precedes(route) }
            .sorted { $0.precedes($1) }
        var accepted: [ModelClaims] = []
        for candidate in candidates where accepted.allSatisfy({ $0.names.isDisjoint(with: candidate.names) }) {
            accepted.append(candidate)
        }
        let winners = accepted.compactMap { winner -> Winner? in
            let shared = winner.names.intersection(route.names)
            return shared.isEmpty ? nil : Winner(route: winner.route, names: shared.sorted())
        }
        return winners.isEmpty ? nil : ModelConflict(gateway: route.gateway, winners: winners)
    }

    /// The routes that can decide `route`'s acceptance: those preceding it that share one of its names, and in
    /// turn those preceding it that share a name with one of them (a route that lost to an older one does not
    /// block `route`, so the older one matters too). `lookup` returns the claims of the routes holding an index
    /// value (``ModelClaims/indexValues``): an index lookup, so a route without conflicts costs one lookup per name.
    public static func contenders(of route: ModelClaims, lookup: (String) -> [ModelClaims]) -> [ModelClaims] {
        var seen: Set<String> = [route.route]
        var found: [ModelClaims] = []
        var pending = [route]
        while let next = pending.popLast() {
            for value in next.indexValues {
                for claims in lookup(value) where claims.precedes(route) && !seen.contains(claims.route) {
                    seen.insert(claims.route)
                    found.append(claims)
                    pending.append(claims)
                }
            }
        }
        return found
    }
}
