import Foundation

/// What `semroute dev` tells the person at the terminal: one line per step on stdout, written unbuffered so a
/// pipe (or a test reading line by line) sees each line as it happens. Logs go to stderr separately.
enum DevConsole {
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data(("semroute dev: " + line + "\n").utf8))
    }

    /// Lines printed as they are (the "try next" block).
    static func block(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}
