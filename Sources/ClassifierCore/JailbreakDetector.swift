/// Scores prompt-injection and jailbreak attempts from phrase patterns (no trained head yet: the score is
/// a documented heuristic, see docs/classifier-signals.md).
///
/// Each pattern family has a weight (the rough probability that a prompt containing it is an attack);
/// the score is `1 − Π(1 − weight)` over the families that fired, so one strong family ("ignore all previous
/// instructions", weight 0.9) crosses the default 0.8 threshold alone, and two medium ones (role-play
/// persona + "no restrictions", 0.6 each → 0.84) do together. Matching is on lower-cased words, so
/// "Ignore  ALL previous instructions." matches "ignore all previous instructions".
struct JailbreakDetector: Sendable {
    struct Family: Sendable {
        var name: String
        var weight: Double
        /// Each phrase is a sequence of alternatives per slot: a phrase matches when its slots appear
        /// consecutively, separated by single spaces.
        var phrases: [[[String]]]
    }

    static let families: [Family] = [
        Family(name: "ignore_instructions", weight: 0.9, phrases: [
            [["ignore", "disregard", "forget", "override", "bypass", "skip"],
             ["all", "any", "the", "your", "every", "all of the", "all your", "all the"],
             ["previous", "prior", "above", "earlier", "preceding", "former", "original", "system", "initial"],
             ["instructions", "instruction", "rules", "prompts", "prompt", "directives", "guidelines", "constraints"]],
            [["ignore", "disregard", "forget", "override", "bypass"],
             ["previous", "prior", "above", "earlier", "your", "all"],
             ["instructions", "rules", "prompts", "directives", "guidelines", "programming"]],
        ]),
        Family(name: "dan_persona", weight: 0.9, phrases: [
            [["do anything now"]], [["you are now dan"]], [["you are dan"]], [["act as dan"]],
            [["jailbreak mode"]], [["jailbroken"]], [["developer mode enabled"]], [["enable developer mode"]],
            [["dude mode"]], [["aim mode"]], [["evil confidant"]],
        ]),
        Family(name: "reveal_system_prompt", weight: 0.8, phrases: [
            [["reveal", "print", "show", "repeat", "output", "leak", "tell me", "display"],
             ["your", "the"], ["system prompt", "hidden prompt", "initial prompt", "original instructions", "hidden instructions"]],
        ]),
        Family(name: "no_restrictions", weight: 0.6, phrases: [
            [["without", "with no", "free of", "free from", "no longer bound by", "not bound by", "unbound by"],
             ["any", "your", "ethical", "moral", "content", ""],
             ["restrictions", "filters", "limitations", "guidelines", "rules", "censorship", "safeguards"]],
            [["no restrictions"]], [["unfiltered"]], [["uncensored"]], [["no ethical guidelines"]],
            [["not bound by openai"]], [["content policy"]], [["policies do not apply"]],
        ]),
        Family(name: "role_play_override", weight: 0.6, phrases: [
            [["pretend", "imagine", "act as if", "roleplay as", "role-play as", "from now on you are", "from now on, you are"],
             ["you are", "you have", "you're", "to be", "an ai", "a", "an", ""],
             ["an ai without", "no rules", "evil", "unrestricted", "an unrestricted", "a different ai", "not an ai", "free"]],
            [["stay in character"]], [["never break character"]], [["you must always answer"]],
        ]),
        Family(name: "prompt_injection_markers", weight: 0.5, phrases: [
            [["### system"]], [["[system]"]], [["<|im_start|>system"]], [["</system>"]], [["new instructions:"]],
            [["end of prompt"]], [["begin new prompt"]],
        ]),
    ]

    /// The score (0…1) and the families that fired.
    func score(_ texts: [String]) -> (score: Double, families: [String]) {
        var fired: [String] = []
        var keep = 1.0
        let tokenised = texts.map { words -> (words: [Substring], set: Set<Substring>) in
            let w = Self.words(words)
            return (w, Set(w))
        }
        for (index, family) in Self.families.enumerated()
        where tokenised.contains(where: { text in
            Self.compiled[index].indices.contains { p in
                // Cheap prefilter: some first word of the phrase must occur in the text.
                !Self.firstWords[index][p].isDisjoint(with: text.set) && Self.matches(Self.compiled[index][p], text.words, 0, 0)
            }
        }) {
            fired.append(family.name)
            keep *= 1 - family.weight
        }
        return (1 - keep, fired)
    }

    /// Per family, per phrase, per slot: the alternatives as word sequences.
    static let compiled: [[[[[Substring]]]]] = families.map { family in
        family.phrases.map { phrase in phrase.map { slot in slot.map { words($0) } } }
    }

    /// Per family, per phrase: the words a match can start with (slot 0 never holds an empty alternative).
    static let firstWords: [[Set<Substring>]] = compiled.map { family in
        family.map { phrase in Set(phrase[0].compactMap(\.first)) }
    }

    /// Lower-cased words split on whitespace, trailing punctuation (`,.!?;:"')`) removed: what
    /// `text.lowercased().split(whereSeparator: \.isWhitespace)` gives, computed over the UTF-8 bytes in one pass
    /// (that Character-level split cost 70% of a request's time on a 1 MB prompt, docs/benchmarks.md). A word of
    /// ASCII bytes is lower-cased byte by byte; a word with other characters through `String.lowercased()`. As for a
    /// `Character`, a whitespace scalar other than a control character takes the combining marks after it with it.
    static func words(_ text: String) -> [Substring] {
        var text = text
        return text.withUTF8 { bytes in
            var out: [Substring] = []
            var i = 0, start = -1, ascii = true
            func finish(_ end: Int) {
                defer { start = -1; ascii = true }
                guard start >= 0 else { return }
                var stop = end
                while stop > start, Self.trailing.contains(bytes[stop - 1]) { stop -= 1 }
                guard stop > start else { return }
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<stop])
                if ascii {
                    out.append(Substring(String(unsafeUninitializedCapacity: slice.count) { buffer in
                        for (k, b) in slice.enumerated() { buffer[k] = (0x41...0x5A).contains(b) ? b | 0x20 : b }
                        return slice.count
                    }))
                } else {
                    // Lower-casing can end in punctuation only if the word did, and that was cut above.
                    out.append(Substring(String(decoding: slice, as: UTF8.self).lowercased()))
                }
            }
            while i < bytes.count {
                let b = bytes[i]
                if b < 0x80 {
                    if b == 0x20 || (0x09...0x0D).contains(b) {
                        finish(i)
                        i += 1
                        // A control character (tab, line breaks) ends its grapheme; a space takes the marks after it.
                        if b == 0x20 { i = Self.skipMarks(bytes, i) }
                    } else {
                        if start < 0 { start = i }
                        i += 1
                    }
                    continue
                }
                let (scalar, length) = Self.decode(bytes, i)
                if scalar.properties.isWhitespace {
                    finish(i)
                    let control = scalar.value == 0x85 || scalar.value == 0x2028 || scalar.value == 0x2029
                    i = control ? i + length : Self.skipMarks(bytes, i + length)
                } else {
                    if start < 0 { start = i }
                    ascii = false
                    i += length
                }
            }
            finish(bytes.count)
            return out
        }
    }

    /// Bytes cut from the end of a word.
    private static let trailing: Set<UInt8> = Set(",.!?;:\"')".utf8)

    /// The index after the scalars from `i` on that extend a grapheme (combining marks, ZWJ, spacing marks).
    private static func skipMarks(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var i = start
        while i < bytes.count, bytes[i] >= 0x80 {
            let (scalar, length) = decode(bytes, i)
            let p = scalar.properties
            guard p.isGraphemeExtend || scalar.value == 0x200D || p.generalCategory == .spacingMark else { break }
            i += length
        }
        return i
    }

    /// The scalar starting at `i` (a lead byte of valid UTF-8, as Swift strings are) and its length in bytes.
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Unicode.Scalar, Int) {
        let b = bytes[i]
        let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
        var value = UInt32(b) & (length == 4 ? 0x07 : length == 3 ? 0x0F : length == 2 ? 0x1F : 0x7F)
        for k in 1..<max(1, length) where i + k < bytes.count { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    /// True when the phrase's slots, from `slot` on, match consecutive words of `text` from some position
    /// (`position` is where the previous slot ended; slot 0 may start anywhere).
    static func matches(_ phrase: [[[Substring]]], _ text: [Substring], _ slot: Int, _ position: Int) -> Bool {
        if slot == phrase.count { return true }
        let starts = slot == 0 ? Array(0..<text.count) : [position]
        for start in starts {
            for alternative in phrase[slot] {
                if alternative.isEmpty {
                    if matches(phrase, text, slot + 1, start) { return true }
                    continue
                }
                guard start + alternative.count <= text.count else { continue }
                var equal = true
                for (k, w) in alternative.enumerated() where text[start + k] != w { equal = false; break }
                if equal, matches(phrase, text, slot + 1, start + alternative.count) { return true }
            }
        }
        return false
    }
}
