/// A path to a field in an object, printed the way kube-apiserver prints it: `spec.backends[0].name`.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public private(set) var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    /// Parses dotted paths with `[n]` indexes, e.g. `"spec.decisions[1].targets"`.
    public init(stringLiteral value: String) {
        var components: [Component] = []
        for part in value.split(separator: ".") {
            var rest = Substring(part)
            if let bracket = rest.firstIndex(of: "[") {
                let key = rest[..<bracket]
                if !key.isEmpty { components.append(.key(String(key))) }
                rest = rest[bracket...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    if let n = Int(rest[rest.index(after: rest.startIndex)..<close]) { components.append(.index(n)) }
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                components.append(.key(String(rest)))
            }
        }
        self.components = components
    }

    public static let root = FieldPath()

    public func child(_ key: String) -> FieldPath { FieldPath(components + [.key(key)]) }
    public func index(_ n: Int) -> FieldPath { FieldPath(components + [.index(n)]) }
    public static func / (lhs: FieldPath, rhs: String) -> FieldPath { lhs.child(rhs) }
    public static func / (lhs: FieldPath, rhs: FieldPath) -> FieldPath { FieldPath(lhs.components + rhs.components) }
    public subscript(n: Int) -> FieldPath { index(n) }

    public var description: String {
        var out = ""
        for component in components {
            switch component {
            case .key(let key):
                if !out.isEmpty { out += "." }
                out += key
            case .index(let n):
                out += "[\(n)]"
            }
        }
        return out.isEmpty ? "<root>" : out
    }
}
