/// Emits ``JSONValue`` as block-style YAML in the layout kubectl prints: two-space indentation, sequences
/// flush with their key, strings quoted only when a plain scalar would read back as something else.
/// Deterministic: the same value always gives the same bytes.
public enum YAMLWriter {
    public static func string(_ value: JSONValue) -> String {
        var out = ""
        switch value {
        case .object(let o) where !o.isEmpty: writeObject(o, indent: 0, into: &out)
        case .array(let a) where !a.isEmpty: writeArray(a, indent: 0, into: &out)
        // A top-level block scalar needs indented content, or it reads as a new document.
        default: out += scalar(value, indent: 2) + "\n"
        }
        return out
    }

    /// A multi-document stream: each document starts with `---`.
    public static func documents(_ values: [JSONValue]) -> String {
        values.map { "---\n" + string($0) }.joined()
    }

    private static func pad(_ n: Int) -> String { String(repeating: " ", count: n) }

    private static func writeObject(_ object: JSONObject, indent: Int, into out: inout String, firstInline: Bool = false) {
        var first = true
        for (key, value) in object {
            if !(first && firstInline) { out += pad(indent) }
            first = false
            out += plainOrQuoted(key) + ":"
            writeMember(value, indent: indent, into: &out)
        }
    }

    /// After `key:` — nested collections go on the next lines, scalars on the same line.
    private static func writeMember(_ value: JSONValue, indent: Int, into out: inout String) {
        switch value {
        case .object(let o) where !o.isEmpty:
            out += "\n"
            writeObject(o, indent: indent + 2, into: &out)
        case .array(let a) where !a.isEmpty:
            out += "\n"
            writeArray(a, indent: indent, into: &out)
        default:
            out += " " + scalar(value, indent: indent + 2) + "\n"
        }
    }

    private static func writeArray(_ array: [JSONValue], indent: Int, into out: inout String) {
        for item in array {
            out += pad(indent) + "-"
            switch item {
            case .object(let o) where !o.isEmpty:
                out += " "
                writeObject(o, indent: indent + 2, into: &out, firstInline: true)
            case .array(let a) where !a.isEmpty:
                out += "\n"
                writeArray(a, indent: indent + 2, into: &out)
            default:
                out += " " + scalar(item, indent: indent + 2) + "\n"
            }
        }
    }

    private static func scalar(_ value: JSONValue, indent: Int) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return JSONWriter.format(d)
        case .string(let s):
            if s.contains("\n"), let block = blockLiteral(s, indent: indent) { return block }
            return plainOrQuoted(s)
        case .array: return "[]"
        case .object: return "{}"
        }
    }

    /// `|` / `|-` block scalars for multi-line text that round-trips exactly.
    private static func blockLiteral(_ s: String, indent: Int) -> String? {
        var body = Substring(s)
        var chomp = "|-"
        if body.hasSuffix("\n") {
            body = body.dropLast()
            chomp = "|"
            if body.hasSuffix("\n") { return nil }  // keep-chomping would be needed
        }
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard let firstLine = lines.first, !firstLine.hasPrefix(" "), !firstLine.isEmpty else { return nil }
        for line in lines {
            if line.hasSuffix(" ") || line.hasSuffix("\t") { return nil }
            if line.unicodeScalars.contains(where: { ($0 != "\t" && needsEscape($0)) || $0 == "\r" }) {
                return nil
            }
        }
        let prefix = pad(indent)
        return chomp + "\n" + lines.map { $0.isEmpty ? "" : prefix + $0 }.joined(separator: "\n")
    }

    private static let reservedWords: Set<String> = [
        "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
    ]

    /// Plain when safe to read back as the same string, otherwise a JSON-style double-quoted scalar.
    static func plainOrQuoted(_ s: String) -> String {
        needsQuotes(s) ? quoted(s) : s
    }

    /// A JSON string is a valid YAML double-quoted scalar, except that YAML also reads NEL, LS, PS as line
    /// breaks (folded into spaces inside quotes), drops BOMs and refuses other non-printable characters:
    /// those are escaped too.
    private static func quoted(_ s: String) -> String {
        var out = ""
        JSONWriter.quote(s, into: &out)
        guard out.unicodeScalars.contains(where: needsEscape) else { return out }
        var escaped = ""
        for scalar in out.unicodeScalars {
            if needsEscape(scalar) {
                let hex = String(scalar.value, radix: 16)
                escaped += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// Characters outside YAML's printable set, plus the ones libyaml treats as line breaks or BOMs.
    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D, 0x20...0x7E: false
        case 0x85, 0x2028, 0x2029, 0xFEFF: true
        case 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: false
        default: true
        }
    }

    private static func needsQuotes(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return true }
        if s.utf8.count <= 5, reservedWords.contains(s.lowercased()) || s == "<<" || s == "=" { return true }
        if first == " " || first == "\t" || last == " " || last == "\t" || last == ":" { return true }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) {
            // "-foo" is fine as plain YAML, but "- x", "-1" and "-" are not; quote all to stay simple.
            return true
        }
        if first.properties.numericType != nil || first == "." || first == "+" { return true }
        // One pass: ": ", ":\t" and " #" would end or comment the scalar; control characters need escapes.
        var previous: Unicode.Scalar = "\0"
        for scalar in s.unicodeScalars {
            if scalar.value < 0x20 || needsEscape(scalar) { return true }
            if previous == ":", scalar == " " || scalar == "\t" { return true }
            if previous == " ", scalar == "#" { return true }
            previous = scalar
        }
        return false
    }
}
