import Foundation

/// An OpenAI chat-completions request body, parsed for classification and rewriting.
///
/// Which text is classified: the **last user message** (its string content, or the `text` parts of an
/// array content joined by newlines). Routing follows the turn being answered; earlier turns would drag a
/// conversation that changes subject towards its old topic. Safety (PII, jailbreak) looks further: PII in
/// every message's text, jailbreak patterns in every user message.
struct ChatRequest {
    /// The whole body (always an object).
    var json: ChatJSON
    var model: String
    /// `stream: true`: never served from or stored in the semantic cache.
    var stream: Bool
    /// The text of the last user message ("" when there is none).
    var prompt: String
    /// The text of every user message, oldest first.
    var userTexts: [String]
    /// The text of every message of any role (for PII), oldest first.
    var allTexts: [String]

    enum ParseError: Error, Equatable {
        case notJSON(String)
        case notAnObject
        case noModel
    }

    init(body: [UInt8]) throws(ParseError) {
        let json: ChatJSON
        do {
            json = try ChatJSON.parse(body)
        } catch {
            throw .notJSON(error.description)
        }
        guard case .object = json else { throw .notAnObject }
        guard let model = json["model"]?.stringValue else { throw .noModel }
        self.json = json
        self.model = model
        self.stream = json["stream"]?.boolValue ?? false
        var userTexts: [String] = []
        var allTexts: [String] = []
        for message in json["messages"]?.arrayValue ?? [] {
            guard let text = Self.text(of: message["content"]) else { continue }
            allTexts.append(text)
            if message["role"]?.stringValue == "user" { userTexts.append(text) }
        }
        self.userTexts = userTexts
        self.allTexts = allTexts
        self.prompt = userTexts.last ?? ""
    }

    /// The text of a message's `content`: a string, or the `text` of its `{"type":"text"}` parts.
    static func text(of content: ChatJSON?) -> String? {
        switch content {
        case .string(let s)?: return s
        case .array(let parts)?:
            let texts = parts.compactMap { part -> String? in
                guard part["type"]?.stringValue == "text" else { return nil }
                return part["text"]?.stringValue
            }
            return texts.isEmpty ? nil : texts.joined(separator: "\n")
        default: return nil
        }
    }

    /// True for `/v1/chat/completions` and any prefix ending in it (`/openai/v1/chat/completions`),
    /// ignoring a query string or fragment and one trailing slash.
    static func isChatCompletionsPath(_ path: String) -> Bool {
        // Bytes, not Characters: a path is ASCII, and this runs on every request.
        var p = path.utf8[...]
        if let cut = p.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) { p = p[..<cut] }
        if p.last == UInt8(ascii: "/") { p = p.dropLast() }
        return p.hasSuffix(Self.chatCompletionsSuffix)
    }

    private static let chatCompletionsSuffix = Array("/v1/chat/completions".utf8)

    /// True when a content-type header is absent or names JSON (`application/json`, `…+json`).
    static func isJSONContentType(_ contentType: String?) -> Bool {
        guard let contentType else { return true }
        // The media type: up to the first `;`, without spaces or tabs around it, ASCII case-folded.
        var media = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }
        while let first = media.first, first == 0x20 || first == 0x09 { media = media.dropFirst() }
        while let last = media.last, last == 0x20 || last == 0x09 { media = media.dropLast() }
        let folded = media.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        return folded.isEmpty || folded == Self.applicationJSON || folded.hasSuffix(Self.plusJSON)
    }

    private static let applicationJSON = Array("application/json".utf8)
    private static let plusJSON = Array("+json".utf8)
}

extension Collection where Element == UInt8 {
    /// Whether the bytes end with `suffix`.
    func hasSuffix(_ suffix: [UInt8]) -> Bool {
        count >= suffix.count && dropFirst(count - suffix.count).elementsEqual(suffix)
    }
}
