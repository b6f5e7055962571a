/// Kubernetes name rules (RFC 1123 labels and subdomains), and stable shortening of derived names.
public enum DNSName {
    public static let labelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (at most 63 characters)"
    public static let subdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (at most 253 characters)"

    public static func isLabel(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 63 else { return false }
        let bytes = Array(s.utf8)
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        guard alnum(bytes.first!), alnum(bytes.last!) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == 0x2D }
    }

    public static func isSubdomain(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isLabel(String($0)) }
    }

    /// `name` if it fits in `maxLength`, else a prefix of it plus `-` and an 8-hex-digit hash of the whole
    /// name: stable across runs and machines, distinct for distinct long names, still a DNS label.
    public static func shortened(_ name: String, maxLength: Int = 63) -> String {
        guard name.utf8.count > maxLength else { return name }
        let hash = StableHash.hex32(name)
        var prefix = String(name.prefix(maxLength - hash.count - 1))
        while prefix.hasSuffix("-") || prefix.hasSuffix(".") { prefix.removeLast() }
        return prefix + "-" + hash
    }
}

/// FNV-1a: a tiny, stable (not cryptographic) hash for derived names and config fingerprints.
public enum StableHash {
    public static func fnv1a64<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// 8 lowercase hex digits (the 64-bit hash folded to 32 bits).
    public static func hex32(_ s: String) -> String {
        let h = fnv1a64(s.utf8)
        let folded = UInt32(truncatingIfNeeded: h ^ (h >> 32))
        let hex = String(folded, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// 16 lowercase hex digits.
    public static func hex64(_ s: String) -> String {
        let hex = String(fnv1a64(s.utf8), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
