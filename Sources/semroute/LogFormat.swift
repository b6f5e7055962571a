import ArgumentParser
import Logging

/// `--log-format`: JSON lines for clusters (one object per line, metadata as fields), text for terminals.
enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case json
    case text
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
