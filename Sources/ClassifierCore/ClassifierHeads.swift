import Foundation

/// The trained heads the classifier scores embeddings with (the domain head, and the jailbreak head when
/// present), loaded from a directory holding `domain.json` + `domain.bin` written by
/// `hack/train-domain-head.py` (and `jailbreak.*` by `hack/train-jailbreak-head.py`). The repository
/// commits them under `heads/`; ``HeadsLocation`` finds that folder.
public struct ClassifierHeads: Sendable {
    let domain: DomainHead
    /// The jailbreak head (`jailbreak.json` + `jailbreak.bin`, labels benign and jailbreak), when the folder
    /// has one; `safety.jailbreak.detector: Trained` needs it.
    let jailbreak: DomainHead?

    /// Loads and checks every head in `directory`. Throws ``HeadsError`` naming the file and the problem.
    public init(directory: String) throws {
        domain = try DomainHead(directory: directory)
        if FileManager.default.fileExists(atPath: URL(fileURLWithPath: directory).appendingPathComponent("jailbreak.json").path) {
            let head = try DomainHead(directory: directory, name: "jailbreak")
            guard head.labels == ["benign", "jailbreak"] else {
                throw HeadsError(file: "\(directory)/jailbreak.json", reason: "labels are \(head.labels), expected [benign, jailbreak]")
            }
            jailbreak = head
        } else {
            jailbreak = nil
        }
    }

    init(domain: DomainHead, jailbreak: DomainHead? = nil) {
        self.domain = domain
        self.jailbreak = jailbreak
    }

    /// The domain labels the head predicts (the 14 MMLU-Pro categories and `general`).
    public var domainLabels: [String] { domain.labels }

    /// Throws when the domain head was trained on a different encoder window than `encoder` reads: its embedding
    /// features would not be the ones it learned (an older head trained at 256 tokens, run at 128, lost accuracy).
    func check(encoder: (any TextEncoder)?) throws(HeadsError) {
        guard let trained = domain.maxTokens, let encoder = encoder as? MiniLMEncoder, encoder.maxTokens != trained else { return }
        throw HeadsError(file: "domain.json", reason: "trained at maxTokens \(trained), but the encoder reads \(encoder.maxTokens) tokens: retrain the head (hack/train-domain-head.py) or load it with a matching encoder")
    }

    /// Held-out accuracy recorded by the training script, when present.
    public var domainHeldOutAccuracy: Double? { domain.heldOutAccuracy }
}

/// A head file that is missing or malformed.
public struct HeadsError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var reason: String
    public var description: String { "classifier head \(file): \(reason)" }
}

/// Finds the folder holding the classifier heads.
public enum HeadsLocation {
    /// Environment variable naming the heads folder when no explicit path is given.
    public static let environmentVariable = "SEMROUTE_HEADS_DIR"
    /// Where the heads are committed, relative to the repository root (and where the image puts them,
    /// relative to the working directory).
    public static let repositoryRelativePath = "heads"

    /// `explicit` when given, else `$SEMROUTE_HEADS_DIR`, else the first `heads/domain.json` found in
    /// `searchFrom` or one of its parents, else `<searchFrom>/heads` (loading then names the missing file).
    public static func resolve(
        explicit: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        searchFrom: String = FileManager.default.currentDirectoryPath
    ) -> String {
        DirectoryLocator.resolve(explicit: explicit, environmentVariable: environmentVariable, environment: environment,
                                 searchFrom: searchFrom, relativePath: repositoryRelativePath, marker: "domain.json")
    }
}
