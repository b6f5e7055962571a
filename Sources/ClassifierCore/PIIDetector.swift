import Foundation

/// Finds personal data with hand-written scanners over UTF-8 (no regex engine: this runs on every request):
/// e-mail addresses, phone numbers (international `+…` or separated national forms), payment card numbers
/// (13–19 digits passing Luhn), US social security numbers (`123-45-6789`, with the SSA's never-issued
/// areas 000, 666 and 900–999, group 00 and serial 0000 rejected), IBANs (passing ISO 13616 mod-97) and
/// IPv4/IPv6 addresses. Overlaps resolve in that order of specificity: e-mail, IBAN, IP, SSN, card, phone.
struct PIIDetector: Sendable {
    /// The entity types reported; the rest are ignored.
    let entities: Set<PIIEntity>

    init(entities: Set<PIIEntity> = Set(PIIEntity.allCases)) {
        self.entities = entities
    }

    /// The entities in `text`, sorted by position, non-overlapping.
    func find(in text: String) -> [PIIMatch] {
        let bytes = Array(text.utf8)
        var found: [PIIMatch] = []
        func add(_ entity: PIIEntity, _ range: Range<Int>) {
            guard !found.contains(where: { $0.range.overlaps(range) }) else { return }
            found.append(PIIMatch(entity: entity, range: range))
        }
        // Each scanner runs even when its entity is filtered out, so a filtered-out IBAN is not
        // mis-reported as a phone number.
        for r in Self.emails(bytes) { add(.email, r) }
        // An IBAN-shaped run with a bad checksum is a mistyped IBAN, not a card or phone number: it
        // claims its span without being reported.
        var claimed: [Range<Int>] = []
        for (r, valid) in Self.ibans(bytes) {
            if valid { add(.iban, r) } else { claimed.append(r) }
        }
        for r in Self.ipv4(bytes) { add(.ipAddress, r) }
        for r in Self.ipv6(bytes) { add(.ipAddress, r) }
        for (entity, r) in Self.numbers(bytes) where !claimed.contains(where: { $0.overlaps(r) }) { add(entity, r) }
        return found.filter { entities.contains($0.entity) }.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// `text` with each entity replaced by its placeholder (`[EMAIL]`), and the entity types replaced.
    func redact(_ text: String) -> (text: String, entities: [PIIEntity]) {
        let matches = find(in: text)
        guard !matches.isEmpty else { return (text, []) }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var last = 0
        for m in matches {
            out.append(contentsOf: bytes[last..<m.range.lowerBound])
            out.append(contentsOf: m.entity.placeholder.utf8)
            last = m.range.upperBound
        }
        out.append(contentsOf: bytes[last...])
        return (String(decoding: out, as: UTF8.self), matches.map(\.entity))
    }

    // MARK: - Character classes (bytes ≥ 0x80 count as word characters: no boundary inside a word)

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }
    static func isLetter(_ b: UInt8) -> Bool { isUpper(b) || (b >= 0x61 && b <= 0x7A) }
    static func isWord(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) || b == UInt8(ascii: "_") || b >= 0x80 }
    static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66) }

    static func boundaryBefore(_ bytes: [UInt8], _ i: Int) -> Bool { i == 0 || !isWord(bytes[i - 1]) }
    static func boundaryAfter(_ bytes: [UInt8], _ i: Int) -> Bool { i >= bytes.count || !isWord(bytes[i]) }

    // MARK: - E-mail

    static func emails(_ bytes: [UInt8]) -> [Range<Int>] {
        func isLocal(_ b: UInt8) -> Bool {
            isDigit(b) || isLetter(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "%")
                || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
        }
        func isDomain(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") }
        var out: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "@") else { i += 1; continue }
            var start = i
            while start > 0, isLocal(bytes[start - 1]) { start -= 1 }
            while start < i, bytes[start] == UInt8(ascii: ".") { start += 1 }
            var end = i + 1
            while end < bytes.count, isDomain(bytes[end]) { end += 1 }
            while end > i + 1, bytes[end - 1] == UInt8(ascii: ".") || bytes[end - 1] == UInt8(ascii: "-") { end -= 1 }
            defer { i = max(i + 1, end) }
            guard start < i, end > i + 1 else { continue }
            let domain = bytes[(i + 1)..<end]
            guard let lastDot = domain.lastIndex(of: UInt8(ascii: ".")), lastDot > i + 1 else { continue }
            let tld = bytes[(lastDot + 1)..<end]
            guard tld.count >= 2, tld.allSatisfy(isLetter) else { continue }
            out.append(start..<end)
        }
        return out
    }

    // MARK: - IBAN

    /// IBAN-shaped runs and whether each passes mod-97 (the longest valid prefix at a group end, else the
    /// longest shaped one).
    static func ibans(_ bytes: [UInt8]) -> [(Range<Int>, valid: Bool)] {
        var out: [(Range<Int>, valid: Bool)] = []
        var i = 0
        while i + 4 <= bytes.count {
            guard isUpper(bytes[i]), isUpper(bytes[i + 1]), isDigit(bytes[i + 2]), isDigit(bytes[i + 3]),
                  boundaryBefore(bytes, i) else { i += 1; continue }
            // Collect characters: compact, or grouped by single spaces; remember each group end.
            var chars: [UInt8] = []
            var groupEnds: [(end: Int, count: Int)] = []
            var j = i
            while j < bytes.count {
                if isUpper(bytes[j]) || isDigit(bytes[j]) {
                    chars.append(bytes[j])
                    j += 1
                    if j == bytes.count || !(isUpper(bytes[j]) || isDigit(bytes[j])) {
                        groupEnds.append((j, chars.count))
                    }
                } else if bytes[j] == UInt8(ascii: " "), j + 1 < bytes.count, isUpper(bytes[j + 1]) || isDigit(bytes[j + 1]),
                          !chars.isEmpty {
                    j += 1
                } else {
                    break
                }
                if chars.count > 34 { break }
            }
            var matched = false
            for (end, count) in groupEnds.reversed() where (15...34).contains(count) && boundaryAfter(bytes, end) {
                if mod97(Array(chars[0..<count])) == 1 {
                    out.append((i..<end, true))
                    i = end
                    matched = true
                    break
                }
            }
            if !matched {
                if let longest = groupEnds.last(where: { (15...34).contains($0.count) && boundaryAfter(bytes, $0.end) }) {
                    out.append((i..<longest.end, false))
                }
                i += 1
            }
        }
        return out
    }

    /// ISO 13616: the first four characters moved to the end, letters as 10…35, modulo 97.
    static func mod97(_ iban: [UInt8]) -> Int {
        var remainder = 0
        for b in iban[4...] + iban[0..<4] {
            if isDigit(b) {
                remainder = (remainder * 10 + Int(b - 0x30)) % 97
            } else {
                remainder = (remainder * 100 + Int(b - 0x41 + 10)) % 97
            }
        }
        return remainder
    }

    // MARK: - IP addresses

    static func ipv4(_ bytes: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            guard isDigit(bytes[i]), i == 0 || (!isWord(bytes[i - 1]) && bytes[i - 1] != UInt8(ascii: ".")) else { i += 1; continue }
            var j = i
            var octets = 0
            var valid = true
            while octets < 4 {
                var value = 0, digits = 0
                while j < bytes.count, isDigit(bytes[j]), digits < 4 {
                    value = value * 10 + Int(bytes[j] - 0x30)
                    digits += 1
                    j += 1
                }
                guard (1...3).contains(digits), value <= 255 else { valid = false; break }
                octets += 1
                if octets < 4 {
                    guard j < bytes.count, bytes[j] == UInt8(ascii: ".") else { valid = false; break }
                    j += 1
                }
            }
            let endsCleanly = j >= bytes.count || (!isWord(bytes[j]) && !(bytes[j] == UInt8(ascii: ".") && j + 1 < bytes.count && isDigit(bytes[j + 1])))
            if valid && endsCleanly {
                out.append(i..<j)
                i = j
            } else {
                while i < bytes.count, isDigit(bytes[i]) || bytes[i] == UInt8(ascii: ".") { i += 1 }
            }
        }
        return out
    }

    static func ipv6(_ bytes: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            guard isHex(bytes[i]) || bytes[i] == UInt8(ascii: ":"),
                  i == 0 || !(isWord(bytes[i - 1]) || bytes[i - 1] == UInt8(ascii: ":")) else { i += 1; continue }
            var j = i
            while j < bytes.count, isHex(bytes[j]) || bytes[j] == UInt8(ascii: ":") { j += 1 }
            var end = j
            // A sentence may end the address with a single colon ("at fe80::1:"), not part of it.
            if end - i >= 2, bytes[end - 1] == UInt8(ascii: ":"), bytes[end - 2] != UInt8(ascii: ":") { end -= 1 }
            if boundaryAfter(bytes, j), isIPv6(Array(bytes[i..<end])) { out.append(i..<end) }
            i = max(j, i + 1)
        }
        return out
    }

    static func isIPv6(_ s: [UInt8]) -> Bool {
        guard s.filter({ $0 == UInt8(ascii: ":") }).count >= 2 else { return false }
        let text = String(decoding: s, as: UTF8.self)
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        func groups(_ part: String) -> [Substring]? {
            if part.isEmpty { return [] }
            let g = part.split(separator: ":", omittingEmptySubsequences: false)
            return g.allSatisfy { (1...4).contains($0.count) } ? g : nil
        }
        if halves.count == 1 {
            guard let g = groups(halves[0]) else { return false }
            return g.count == 8
        }
        guard let a = groups(halves[0]), let b = groups(halves[1]) else { return false }
        return a.count + b.count <= 7 && a.count + b.count >= 1
    }

    // MARK: - Digit runs: SSN, payment cards, phone numbers

    static func numbers(_ bytes: [UInt8]) -> [(PIIEntity, Range<Int>)] {
        func isSeparator(_ b: UInt8) -> Bool {
            b == UInt8(ascii: " ") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "(") || b == UInt8(ascii: ")")
        }
        var out: [(PIIEntity, Range<Int>)] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let startsRun = isDigit(b) || ((b == UInt8(ascii: "+") || b == UInt8(ascii: "(")) && i + 1 < bytes.count && isDigit(bytes[i + 1]))
            guard startsRun, boundaryBefore(bytes, i) || b == UInt8(ascii: "+") || b == UInt8(ascii: "(") else { i += 1; continue }
            // Extend over digits and single separators followed by a digit (or "(" / ") " in "(555) 123").
            var j = i + 1
            var lastDigitEnd = isDigit(b) ? j : i
            while j < bytes.count {
                if isDigit(bytes[j]) {
                    j += 1
                    lastDigitEnd = j
                } else if isSeparator(bytes[j]) {
                    var k = j
                    var seps = 0
                    while k < bytes.count, isSeparator(bytes[k]), seps < 2 { k += 1; seps += 1 }
                    guard k < bytes.count, isDigit(bytes[k]) else { break }
                    j = k
                } else {
                    break
                }
            }
            let end = lastDigitEnd
            defer { i = max(end, i + 1) }
            guard end > i, boundaryAfter(bytes, end) else { continue }
            let run = Array(bytes[i..<end])
            if let entity = classify(run) { out.append((entity, i..<end)) }
        }
        return out
    }

    static func classify(_ run: [UInt8]) -> PIIEntity? {
        let digits = run.filter(isDigit).map { Int($0 - 0x30) }
        let separators = run.filter { !isDigit($0) }
        // Digit groups between separators.
        var groups: [Int] = []
        var n = 0
        for b in run {
            if isDigit(b) { n += 1 } else if n > 0 { groups.append(n); n = 0 }
        }
        if n > 0 { groups.append(n) }

        if groups == [3, 2, 4], Set(separators).count == 1, separators.first == UInt8(ascii: "-") || separators.first == UInt8(ascii: " ") {
            let area = digits[0] * 100 + digits[1] * 10 + digits[2]
            let group = digits[3] * 10 + digits[4]
            let serial = digits[5...].reduce(0) { $0 * 10 + $1 }
            if area != 0, area != 666, area < 900, group != 0, serial != 0 { return .usSSN }
            return nil
        }
        let cardSeparators = separators.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "-") }
        if (13...19).contains(digits.count), cardSeparators, luhn(digits), run.first.map(isDigit) == true {
            return .creditCard
        }
        let international = run.first == UInt8(ascii: "+")
        if international, (8...15).contains(digits.count) { return .phone }
        let separated = !separators.isEmpty
        if separated, digits.count == 10 || (digits.count == 11 && digits[0] == 1), groups.count >= 3 || run.first == UInt8(ascii: "("),
           groups.allSatisfy({ $0 <= 4 }) {
            return .phone
        }
        return nil
    }

    /// The Luhn checksum (ISO/IEC 7812) over decimal digits.
    static func luhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (i, d) in digits.reversed().enumerated() {
            if i % 2 == 1 {
                let x = d * 2
                sum += x > 9 ? x - 9 : x
            } else {
                sum += d
            }
        }
        return sum % 10 == 0
    }
}
