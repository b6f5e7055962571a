import Foundation

extension WordPieceTokenizer {
    /// The reference's "basic" tokenization: clean, space CJK, split on whitespace, lowercase, strip accents,
    /// split punctuation. Returns words as Unicode scalar arrays (WordPiece counts scalars).
    static func basicTokens(_ text: String) -> [[Unicode.Scalar]] {
        // Clean (drop NUL, U+FFFD and control characters; whitespace becomes a space) and space CJK ideographs.
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
            if isWhitespace(scalar) {
                cleaned.append(" ")
            } else if isCJK(scalar) {
                cleaned.append(" "); cleaned.append(scalar); cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        var words: [[Unicode.Scalar]] = []
        for chunk in String(cleaned).unicodeScalars.split(separator: " ") {
            // Lowercase, then NFD and drop nonspacing marks (accents).
            let lowered = String(String.UnicodeScalarView(chunk)).lowercased()
            let decomposed = lowered.decomposedStringWithCanonicalMapping
            var current: [Unicode.Scalar] = []
            for scalar in decomposed.unicodeScalars {
                if scalar.properties.generalCategory == .nonspacingMark { continue }
                if isPunctuation(scalar) {
                    if !current.isEmpty { words.append(current); current = [] }
                    words.append([scalar])
                } else {
                    current.append(scalar)
                }
            }
            if !current.isEmpty { words.append(current) }
        }
        return words
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
