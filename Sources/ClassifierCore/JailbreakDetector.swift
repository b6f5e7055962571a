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
    /// ``characterWords(_:)`` gives, computed over the UTF-8 bytes (that Character-level split cost 70% of a
    /// request's time on a 1 MB prompt, docs/benchmarks.md). The text is cut at ASCII whitespace whose neighbours
    /// are ASCII too: there a grapheme boundary is certain (the characters that join graphemes are all non-ASCII,
    /// and CR LF is whitespace either way). A piece of ASCII bytes is split and lower-cased byte by byte; a piece
    /// with other characters goes through ``characterWords(_:)``, so the result is the same for any text.
    static func words(_ text: String) -> [Substring] {
        var text = text
        return text.withUTF8 { bytes in
            var out: [Substring] = []
            var pieceStart = 0, ascii = true
            func piece(_ end: Int) {
                defer { pieceStart = end + 1; ascii = true }
                guard end > pieceStart else { return }
                let slice = UnsafeBufferPointer(rebasing: bytes[pieceStart..<end])
                if ascii {
                    asciiWords(slice, into: &out)
                } else {
                    out += characterWords(String(decoding: slice, as: UTF8.self))
                }
            }
            for i in 0..<bytes.count {
                let b = bytes[i]
                if b >= 0x80 {
                    ascii = false
                } else if isASCIIWhitespace(b), i == 0 || bytes[i - 1] < 0x80, i + 1 == bytes.count || bytes[i + 1] < 0x80 {
                    piece(i)
                }
            }
            piece(bytes.count)
            return out
        }
    }

    /// The definition ``words(_:)`` computes faster: lower-case, split on whitespace `Character`s, cut trailing
    /// punctuation, drop empty words.
    static func characterWords(_ text: String) -> [Substring] {
        text.lowercased().split(whereSeparator: \.isWhitespace).map { word in
            var w = word
            while let last = w.last, ",.!?;:\"')".contains(last) { w = w.dropLast() }
            return w
        }.filter { !$0.isEmpty }
    }

    private static func isASCIIWhitespace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }

    /// Words of ASCII bytes: split on ASCII whitespace, lower-cased, trailing punctuation cut.
    private static func asciiWords(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [Substring]) {
        var i = 0
        while i < bytes.count {
            while i < bytes.count, isASCIIWhitespace(bytes[i]) { i += 1 }
            let start = i
            while i < bytes.count, !isASCIIWhitespace(bytes[i]) { i += 1 }
            var stop = i
            while stop > start, trailing.contains(bytes[stop - 1]) { stop -= 1 }
            guard stop > start else { continue }
            let word = UnsafeBufferPointer(rebasing: bytes[start..<stop])
            out.append(Substring(String(unsafeUninitializedCapacity: word.count) { buffer in
                for (k, b) in word.enumerated() { buffer[k] = (0x41...0x5A).contains(b) ? b | 0x20 : b }
                return word.count
            }))
        }
    }

    /// Bytes cut from the end of a word.
    private static let trailing: Set<UInt8> = Set(",.!?;:\"')".utf8)

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
