import Foundation

/// Resolves a data folder the classifier loads (the encoder's model, the trained heads): an explicit path,
/// else an environment variable, else the first `<relativePath>` (holding `marker`, when given) found in
/// `searchFrom` or one of its parents, else `<searchFrom>/<relativePath>` (loading then names the missing file).
enum DirectoryLocator {
    static func resolve(explicit: String?, environmentVariable: String, environment: [String: String],
                        searchFrom: String, relativePath: String, marker: String? = nil) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        var directory = URL(fileURLWithPath: searchFrom, isDirectory: true).standardizedFileURL
        while true {
            let candidate = directory.appendingPathComponent(relativePath, isDirectory: true)
            let probe = marker.map { candidate.appendingPathComponent($0).path } ?? candidate.path
            if FileManager.default.fileExists(atPath: probe) { return candidate.path }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        return URL(fileURLWithPath: searchFrom, isDirectory: true)
            .appendingPathComponent(relativePath, isDirectory: true).standardizedFileURL.path
    }
}
