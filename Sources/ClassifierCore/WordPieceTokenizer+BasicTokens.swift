import Foundation

extension WordPieceTokenizer {
    /// The reference's "basic" tokenization: clean, space CJK, split on whitespace, lowercase, strip accents,
    /// split punctuation. Returns words as Unicode scalar arrays (WordPiece counts scalars).
    ///
    /// It reads the text one whitespace-separated chunk at a time and stops once it has `limit` words, so the
    /// encoder's truncation (every word is at least one word piece) costs what it keeps, not the whole text: a
    /// 1 MB prompt is read only as far as its first 128 words. The words are the same as tokenizing the whole
    /// text and keeping the first `limit`.
    static func basicTokens(_ text: String, limit: Int = .max) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var chunk = String.UnicodeScalarView()
        // Clean (drop NUL, U+FFFD and control characters; whitespace separates chunks) and space CJK ideographs.
        for scalar in text.unicodeScalars {
            if words.count >= limit { break }
            if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
            if isWhitespace(scalar) {
                split(&chunk, into: &words, limit: limit)
            } else if isCJK(scalar) {
                split(&chunk, into: &words, limit: limit)
                chunk.append(scalar)
                split(&chunk, into: &words, limit: limit)
            } else {
                chunk.append(scalar)
            }
        }
        split(&chunk, into: &words, limit: limit)
        return words
    }

    /// One whitespace-separated chunk into words, appended to `words` (at most up to `limit`); empties `chunk`.
    private static func split(_ chunk: inout String.UnicodeScalarView, into words: inout [[Unicode.Scalar]], limit: Int) {
        defer { chunk = String.UnicodeScalarView() }
        guard !chunk.isEmpty, words.count < limit else { return }
        // Lowercase, then NFD and drop nonspacing marks (accents).
        let lowered = String(chunk).lowercased()
        let decomposed = lowered.decomposedStringWithCanonicalMapping
        var current: [Unicode.Scalar] = []
        for scalar in decomposed.unicodeScalars {
            if words.count >= limit { return }
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if isPunctuation(scalar) {
                if !current.isEmpty { words.append(current); current = [] }
                if words.count < limit { words.append([scalar]) }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty, words.count < limit { words.append(current) }
    }

    /// Tab, newline, carriage return and every Unicode White_Space character (the reference's fast tokenizer
    /// also splits on U+2028 and U+2029, not only on Zs; U+0085 is a control and dropped before this check).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r": return true
        default: return scalar.properties.isWhitespace
        }
    }

    /// Control, format, private-use and surrogate characters (Cc, Cf, Co, Cs), which cleaning drops — except tab,
    /// newline and carriage return. Unassigned code points (Cn) stay, as in the reference (they become `[UNK]`).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\r": return false
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .privateUse, .surrogate: return true
            default: return false
            }
        }
    }

    /// ASCII symbols (33–47, 58–64, 91–96, 123–126) and every Unicode punctuation category (P*).
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value) {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// CJK Unified Ideographs and their extensions and compatibility blocks (not Hangul, Hiragana or Katakana).
    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
