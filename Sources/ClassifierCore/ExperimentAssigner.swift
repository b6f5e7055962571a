import ClassifierConfig

/// Sticky A/B assignment: the arm of a user is a pure function of the experiment's name and the value of its
/// user header (64-bit FNV-1a, not Swift's per-process seeded `Hasher`), so every turn of one user lands on the
/// same arm, on every classifier replica and after every restart, for as long as the experiment is unchanged.
struct ExperimentAssigner: Sendable {
    struct Arm: Sendable {
        var name: String
        var alias: String
        /// The arm's slots are `[start, end)` of `0..<total`.
        var end: UInt64
    }

    let name: String
    let header: String
    let arms: [Arm]
    let total: UInt64

    init(_ experiment: ClassifierConfig.Experiment, field: String) throws(ClassifierConfigError) {
        guard !experiment.name.isEmpty else { throw ClassifierConfigError(field: "\(field).name", reason: "must not be empty") }
        guard !experiment.header.isEmpty, !experiment.header.hasPrefix(":") else {
            throw ClassifierConfigError(field: "\(field).header", reason: "must name a request header (got \"\(experiment.header)\")")
        }
        guard experiment.arms.count >= 2 else {
            throw ClassifierConfigError(field: "\(field).arms", reason: "needs at least two arms (got \(experiment.arms.count))")
        }
        var arms: [Arm] = []
        var end: UInt64 = 0
        for (i, arm) in experiment.arms.enumerated() {
            guard !arm.name.isEmpty, !arm.alias.isEmpty, arm.weight >= 0 else {
                throw ClassifierConfigError(field: "\(field).arms[\(i)]", reason: "needs a name, an alias and a weight of 0 or more")
            }
            end += UInt64(arm.weight)
            arms.append(Arm(name: arm.name, alias: arm.alias, end: end))
        }
        guard end > 0 else { throw ClassifierConfigError(field: "\(field).arms", reason: "the weights must not all be 0") }
        self.name = experiment.name
        self.header = experiment.header.lowercased()
        self.arms = arms
        self.total = end
    }

    /// The arm of the user named by `headers`; nil when the request does not carry the header (it then gets
    /// the decision's own alias, outside the experiment).
    func arm(headers: [String: String]) -> Arm? {
        guard let user = headers[header], !user.isEmpty else { return nil }
        let slot = Self.fnv1a(name, user) % total
        return arms.first { slot < $0.end }
    }

    /// FNV-1a over the experiment name, a 0 byte, and the user id.
    static func fnv1a(_ experiment: String, _ user: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in experiment.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash = (hash ^ 0) &* 0x0000_0100_0000_01b3
        for byte in user.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
