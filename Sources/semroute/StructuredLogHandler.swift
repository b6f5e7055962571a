import Foundation
import KubeCore
import Logging

/// The process's log handler: structured lines on stderr, as JSON (`{"ts":…,"level":…,"logger":…,"msg":…,<metadata>}`)
/// or as `ts level logger: msg key=value …` text. Only `main` installs it (`Bootstrap.logging`).
struct StructuredLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let timestamp = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        let line: String
        switch format {
        case .json:
            var object = JSONObject()
            object["ts"] = .string(timestamp)
            object["level"] = .string(event.level.rawValue)
            object["logger"] = .string(label)
            object["msg"] = .string(event.message.description)
            for key in merged.keys.sorted() { object[key] = Self.json(merged[key]!) }
            line = JSONWriter.string(.object(object))
        case .text:
            let fields = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
            line = "\(timestamp) \(event.level.rawValue.uppercased()) \(label): \(event.message)" + (fields.isEmpty ? "" : " " + fields)
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c): return .string(c.description)
        case .array(let items): return .array(items.map(json))
        case .dictionary(let dict):
            var object = JSONObject()
            for key in dict.keys.sorted() { object[key] = json(dict[key]!) }
            return .object(object)
        }
    }
}
