import ClassifierConfig
import Foundation

/// One `headers` entry of a condition, compiled at config load. The name is lower-cased (request headers
/// reach the pipeline with lower-cased names); values compare case-sensitively. Costs a dictionary lookup
/// (and a regex match for `regex`): no model inference.
struct HeaderMatcher: Sendable {
    enum Test: Sendable {
        case exact(String)
        case prefix(String)
        case regex(KeywordMatcher.CompiledRegex)
        case present
        case absent
    }

    /// The lower-cased header name.
    let name: String
    let test: Test

    struct Invalid: Error {
        /// The member at fault (`regex`, `present`, ...), or nil for the entry itself.
        var member: String?
        var reason: String
    }

    init(_ m: ClassifierConfig.HeaderMatch) throws(Invalid) {
        guard !m.name.isEmpty else { throw Invalid(member: "name", reason: "must not be empty") }
        name = m.name.lowercased()
        switch (m.exact, m.prefix, m.regex, m.present, m.absent) {
        case (let value?, nil, nil, nil, nil): test = .exact(value)
        case (nil, let value?, nil, nil, nil): test = .prefix(value)
        case (nil, nil, let pattern?, nil, nil):
            // Whole-value match, as Envoy's header matchers (and Gateway API implementations on Envoy) do.
            do {
                test = .regex(.init(source: pattern, regex: try NSRegularExpression(pattern: "\\A(?:\(pattern))\\z")))
            } catch {
                throw Invalid(member: "regex", reason: "invalid regular expression: \(error)")
            }
        case (nil, nil, nil, let present?, nil):
            guard present else { throw Invalid(member: "present", reason: "takes only true (use absent: true)") }
            test = .present
        case (nil, nil, nil, nil, let absent?):
            guard absent else { throw Invalid(member: "absent", reason: "takes only true (use present: true)") }
            test = .absent
        default:
            throw Invalid(member: nil, reason: "set exactly one of exact, prefix, regex, present or absent")
        }
    }

    /// Whether the test holds for `headers` (lower-cased names; repeated headers joined by `,`).
    func matches(_ headers: [String: String]) -> Bool {
        let value = headers[name]
        switch test {
        case .present: return value != nil
        case .absent: return value == nil
        case .exact(let expected): return value?.utf8.elementsEqual(expected.utf8) ?? false
        case .prefix(let start): return value?.utf8.starts(with: start.utf8) ?? false
        case .regex(let r): return value.map(r.matches) ?? false
        }
    }
}
