import Foundation

/// Reads `-f FILE` or `-f -` (standard input) with an error that names the file.
enum InputFile {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ path: String) throws -> String {
        if path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard let text = String(data: data, encoding: .utf8) else { throw Failure(description: "standard input is not UTF-8 text") }
            return text
        }
        guard FileManager.default.fileExists(atPath: path) else { throw Failure(description: "\(path): no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(description: "\(path): cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw Failure(description: "\(path): not UTF-8 text") }
        return text
    }
}

/// Writes to standard error; the CLI's errors never go to stdout (which may be piped into kubectl).
enum StandardError {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
