/// RFC 3339 timestamps in UTC with whole seconds (`2026-12-07T18:53:34Z`), as Kubernetes writes them, to and
/// from Unix seconds. Pure (proleptic Gregorian calendar arithmetic), so the rollout state machine needs no
/// clock or formatter.
public enum RFC3339 {
    public static func string(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let (y, m, d) = civil(fromDays: days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rest / 3600, 2)):\(pad(rest % 3600 / 60, 2)):\(pad(rest % 60, 2))Z"
    }

    /// Unix seconds of `YYYY-MM-DDTHH:MM:SS` followed by `Z` or a `±HH:MM` offset (fractions of a second are
    /// dropped); nil for anything else.
    public static func seconds(_ text: String) -> Int64? {
        let c = Array(text.utf8)
        guard c.count >= 20, c[4] == UInt8(ascii: "-"), c[7] == UInt8(ascii: "-"), c[10] == UInt8(ascii: "T") || c[10] == UInt8(ascii: "t"),
              c[13] == UInt8(ascii: ":"), c[16] == UInt8(ascii: ":") else { return nil }
        func number(_ from: Int, _ count: Int) -> Int64? {
            var n: Int64 = 0
            for i in from..<(from + count) {
                guard c[i] >= 48, c[i] <= 57 else { return nil }
                n = n * 10 + Int64(c[i] - 48)
            }
            return n
        }
        guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2), let h = number(11, 2), let mi = number(14, 2),
              let s = number(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        var i = 19
        if i < c.count, c[i] == UInt8(ascii: ".") {
            i += 1
            while i < c.count, c[i] >= 48, c[i] <= 57 { i += 1 }
        }
        var offset: Int64 = 0
        if i < c.count, c[i] == UInt8(ascii: "Z") || c[i] == UInt8(ascii: "z") {
            i += 1
        } else if i + 6 == c.count, c[i] == UInt8(ascii: "+") || c[i] == UInt8(ascii: "-"), c[i + 3] == UInt8(ascii: ":"),
                  let oh = number(i + 1, 2), let om = number(i + 4, 2) {
            offset = (oh * 3600 + om * 60) * (c[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == c.count else { return nil }
        return days(fromCivil: y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset
    }

    // Howard Hinnant's days-from-civil and civil-from-days.
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func pad(_ n: Int64, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
