import ArgumentParser
import Logging

/// `--log-format`: JSON lines for clusters (one object per line, metadata as fields), text for terminals.
enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case json
    case text
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension LogFormat {
    /// The flag when given, else `SEMROUTE_LOG_FORMAT` / `SEMROUTE_LOG_LEVEL`, else JSON at info.
    static func resolve(format: LogFormat?, level: Logger.Level?,
                        environment env: [String: String]) throws(LogSettingError) -> (LogFormat, Logger.Level) {
        let resolvedFormat: LogFormat
        if let format { resolvedFormat = format }
        else if let text = env["SEMROUTE_LOG_FORMAT"] {
            guard let format = LogFormat(rawValue: text) else { throw LogSettingError("SEMROUTE_LOG_FORMAT \"\(text)\": must be json or text") }
            resolvedFormat = format
        } else { resolvedFormat = .json }
        let resolvedLevel: Logger.Level
        if let level { resolvedLevel = level }
        else if let text = env["SEMROUTE_LOG_LEVEL"] {
            guard let level = Logger.Level(rawValue: text) else { throw LogSettingError("SEMROUTE_LOG_LEVEL \"\(text)\": not a log level") }
            resolvedLevel = level
        } else { resolvedLevel = .info }
        return (resolvedFormat, resolvedLevel)
    }
}

/// A log setting from the environment that cannot be used; the message names the variable.
struct LogSettingError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
