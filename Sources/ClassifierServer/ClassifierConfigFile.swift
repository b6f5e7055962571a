import ClassifierConfig
import Foundation

/// Reads and checks the classifier's config file (`config.json` in the ConfigMap volume).
enum ClassifierConfigFile {
    struct Invalid: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "config \(path): \(reason)" }
    }

    static func read(path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(path: path, reason: "cannot be read (missing or not a file)")
        }
        return [UInt8](data)
    }

    /// Decodes and checks the contract: a known `version`, at least one model, aliases present, a valid shadow.
    static func decode(_ bytes: [UInt8], path: String) throws -> ClassifierConfig {
        let config: ClassifierConfig
        do {
            config = try JSONDecoder().decode(ClassifierConfig.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw Invalid(path: path, reason: describe(error))
        } catch {
            throw Invalid(path: path, reason: "not JSON: \(error)")
        }
        guard config.version == ClassifierConfig.currentVersion else {
            throw Invalid(path: path, reason: "version: \(config.version) is not supported (this classifier reads version \(ClassifierConfig.currentVersion))")
        }
        if config.models.isEmpty || config.models.contains(where: \.isEmpty) {
            throw Invalid(path: path, reason: "models: must list at least one non-empty model name")
        }
        if config.defaultAlias.isEmpty {
            throw Invalid(path: path, reason: "defaultAlias: must not be empty")
        }
        for (index, rule) in config.decisions.enumerated() where rule.alias.isEmpty || rule.name.isEmpty {
            throw Invalid(path: path, reason: "decisions[\(index)]: name and alias must not be empty")
        }
        if let shadow = config.shadow {
            if !(0...100).contains(shadow.percent) {
                throw Invalid(path: path, reason: "shadow.percent: \(shadow.percent) is not between 0 and 100")
            }
            if !(shadow.url.hasPrefix("http://") || shadow.url.hasPrefix("https://")) {
                throw Invalid(path: path, reason: "shadow.url: must be an http:// or https:// URL")
            }
        }
        return config
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let joined = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return joined.hasPrefix(".") ? String(joined.dropFirst()) : (joined.isEmpty ? "(root)" : joined)
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "\(parent == "(root)" ? "" : parent + ".")\(key.stringValue): required field is missing"
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)): expected \(type), found null"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
