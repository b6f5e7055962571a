import Foundation

/// Finds the folder holding the encoder's files (`model.safetensors`, `vocab.txt`).
public enum ModelLocation {
    /// Environment variable naming the model folder when no explicit path is given.
    public static let environmentVariable = "SEMROUTE_MODEL_DIR"
    /// Where `hack/fetch-model.sh` installs the model, relative to the repository root.
    public static let repositoryRelativePath = "models/all-minilm-l6-v2"

    /// The model folder: `explicit` when given, else `$SEMROUTE_MODEL_DIR`, else the first
    /// `models/all-minilm-l6-v2` found in `searchFrom` or one of its parents, else
    /// `<searchFrom>/models/all-minilm-l6-v2` (which may not exist; loading then names the missing file).
    public static func resolve(
        explicit: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        searchFrom: String = FileManager.default.currentDirectoryPath
    ) -> String {
        DirectoryLocator.resolve(explicit: explicit, environmentVariable: environmentVariable, environment: environment,
                                 searchFrom: searchFrom, relativePath: repositoryRelativePath)
    }
}
