import Foundation

/// Where the tests find the upstream CRDs (AI Gateway, Envoy Gateway, Gateway API): what
/// `hack/fetch-upstream-crds.sh` verified into `<repo>/.build/upstream-crds/<set>` (`make test` runs it), else
/// the offline copy beside the repository (`../shared/crds`). Suites that need them skip with ``missingReason``.
public enum UpstreamCRDs {
    /// `v1.1` (AI Gateway v1.1.0, Envoy Gateway v1.8.1, Gateway API v1.5.1) or `v1.2` (AI Gateway v1.2.0,
    /// Envoy Gateway v1.9, Gateway API v1.6).
    public enum Set: String, Sendable {
        case v1_1 = "v1.1"
        case v1_2 = "v1.2"

        var sharedFolder: String { self == .v1_1 ? "upstream" : "upstream-aigw-v1.2" }
    }

    /// The repository root, from this file's place in it.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The folder of `set`, or nil when neither the fetched nor the offline copy is there.
    public static func directory(_ set: Set = .v1_1) -> String? {
        let candidates = [
            repositoryRoot.appendingPathComponent(".build/upstream-crds/\(set.rawValue)").path,
            repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/crds/\(set.sharedFolder)").path,
        ]
        return candidates.first { path in
            (try? FileManager.default.contentsOfDirectory(atPath: path))?.contains { $0.hasSuffix("_aigatewayroutes.yaml") } ?? false
        }
    }

    public static func available(_ set: Set = .v1_1) -> Bool { directory(set) != nil }

    /// The one line a suite that needs `set` prints when it skips.
    public static func missingReason(_ set: Set = .v1_1) -> String {
        "the upstream CRDs \(set.rawValue) are missing: run hack/fetch-upstream-crds.sh (needs ../shared/crds or network access)"
    }
}
