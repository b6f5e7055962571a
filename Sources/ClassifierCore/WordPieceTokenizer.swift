import Foundation

/// BERT's uncased WordPiece tokenizer, matching the reference (`BertTokenizer` with `do_lower_case`):
/// text cleaning, CJK spacing, whitespace split, lowercasing, accent stripping (NFD, drop Mn), punctuation
/// split, then greedy longest-match-first WordPiece with `##` continuations, `[CLS]`/`[SEP]` around the result.
public struct WordPieceTokenizer: Sendable {
    /// Words longer than this (in Unicode scalars) become `[UNK]`, as in the reference.
    static let maxCharactersPerWord = 100

    let vocabulary: [String: Int32]
    public let unknownID: Int32
    public let classID: Int32
    public let separatorID: Int32
    public let paddingID: Int32

    /// Number of entries in the vocabulary.
    public var vocabularySize: Int { vocabulary.count }

    /// Reads a `vocab.txt` (one token per line; the line number is the id).
    public init(vocabularyPath path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw EncoderError.missingFile(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EncoderError.invalidFile(path: path, reason: "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw EncoderError.invalidFile(path: path, reason: "is not UTF-8")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        try self.init(tokens: lines, path: path)
    }

    /// A tokenizer over `tokens` (index = id); `path` only names the source in errors.
    init(tokens: [String], path: String = "<memory>") throws {
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(tokens.count)
        for (index, token) in tokens.enumerated() where vocabulary[token] == nil {
            vocabulary[token] = Int32(index)
        }
        func id(_ token: String) throws -> Int32 {
            guard let id = vocabulary[token] else {
                throw EncoderError.invalidFile(path: path, reason: "vocabulary has no \(token) token")
            }
            return id
        }
        self.vocabulary = vocabulary
        unknownID = try id("[UNK]")
        classID = try id("[CLS]")
        separatorID = try id("[SEP]")
        paddingID = try id("[PAD]")
    }

    /// Token ids for `text`: `[CLS]`, the word pieces, `[SEP]`, truncated so the whole sequence (specials
    /// included) has at most `maxTokens` ids (values below 2 still keep `[CLS]` and `[SEP]`).
    public func encode(_ text: String, maxTokens: Int = 512) -> [Int32] {
        var ids: [Int32] = [classID]
        let budget = max(maxTokens, 2) - 1
        // Every word is at least one piece, so `budget` words are all the pieces can come from.
        outer: for word in Self.basicTokens(text, limit: budget) {
            for id in wordPieces(word) {
                if ids.count == budget { break outer }
                ids.append(id)
            }
        }
        ids.append(separatorID)
        return ids
    }

    /// The word-piece tokens (strings, without specials) for `text`; for inspection and tests (not fast).
    public func tokens(_ text: String) -> [String] {
        let reverse = Dictionary(uniqueKeysWithValues: vocabulary.map { ($0.value, $0.key) })
        return Self.basicTokens(text).flatMap { wordPieces($0) }.map { reverse[$0] ?? "[UNK]" }
    }

    /// Greedy longest-match-first WordPiece for one basic token; the whole word is `[UNK]` if any part fails.
    func wordPieces(_ word: [Unicode.Scalar]) -> [Int32] {
        if word.count > Self.maxCharactersPerWord { return [unknownID] }
        var pieces: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[candidate] { found = id; break }
                end -= 1
            }
            guard let found else { return [unknownID] }
            pieces.append(found)
            start = end
        }
        return pieces
    }
}
