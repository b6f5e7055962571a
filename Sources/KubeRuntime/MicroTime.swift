import Foundation

/// `metav1.MicroTime` / `metav1.Time` text: RFC 3339 in UTC, with exactly six fractional digits for MicroTime.
enum MicroTime {
    static func string(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let seconds = micros.quotient(dividingBy: 1_000_000)
        let fraction = micros - seconds * 1_000_000
        let components = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!,
                                                                        from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", components.year!, components.month!,
                      components.day!, components.hour!, components.minute!, components.second!, Int(fraction))
    }
}

extension Int64 {
    fileprivate func quotient(dividingBy d: Int64) -> Int64 {
        let q = self / d
        return (self % d < 0) ? q - 1 : q
    }
}
