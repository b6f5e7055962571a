import KubeCore

/// The JSONPath subset CRD printer columns and scale paths use: `.a.b`, `.a[0]`, `.a[*].b`, and filters
/// `.a[?(@.type=="Ready")].status`.
enum JSONPath {
    enum Step: Equatable {
        case key(String)
        case index(Int)
        case all
        case filter(key: String, value: String)
    }

    static func steps(_ path: String) -> [Step] {
        var steps: [Step] = []
        var rest = Substring(path.hasPrefix("{") && path.hasSuffix("}") ? String(path.dropFirst().dropLast()) : path)
        while !rest.isEmpty {
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
                if end > rest.startIndex { steps.append(.key(String(rest[..<end]))) }
                rest = rest[end...]
            } else if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { return steps }
                let inner = rest[rest.index(after: rest.startIndex)..<close]
                if inner == "*" {
                    steps.append(.all)
                } else if let n = Int(inner) {
                    steps.append(.index(n))
                } else if inner.hasPrefix("?(@."), inner.hasSuffix(")"), let eq = inner.range(of: "==") {
                    let key = inner[inner.index(inner.startIndex, offsetBy: 4)..<eq.lowerBound]
                    var value = inner[eq.upperBound..<inner.index(before: inner.endIndex)]
                    if value.hasPrefix("\"") || value.hasPrefix("'") { value = value.dropFirst().dropLast() }
                    steps.append(.filter(key: String(key), value: String(value)))
                } else {
                    let key = inner.trimmingQuotes
                    steps.append(.key(key))
                }
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
                steps.append(.key(String(rest[..<end])))
                rest = rest[end...]
            }
        }
        return steps
    }

    /// Every value the path selects.
    static func values(_ path: String, in object: JSONValue) -> [JSONValue] {
        var current = [object]
        for step in steps(path) {
            var next: [JSONValue] = []
            for value in current {
                switch step {
                case .key(let k): if let v = value[k] { next.append(v) }
                case .index(let i):
                    if let a = value.arrayValue { let j = i < 0 ? a.count + i : i; if j >= 0 && j < a.count { next.append(a[j]) } }
                case .all: next += value.arrayValue ?? value.objectValue.map { $0.map(\.value) } ?? []
                case .filter(let key, let expected):
                    next += (value.arrayValue ?? []).filter { item in
                        switch item[key] {
                        case .string(let s)?: s == expected
                        case let v?: JSONWriter.string(v) == expected
                        case nil: false
                        }
                    }
                }
            }
            current = next
        }
        return current
    }

    static func first(_ path: String, in object: JSONValue) -> JSONValue? { values(path, in: object).first }

    /// Sets a plain dotted path (`.spec.classifier.replicas`), creating objects on the way.
    static func set(_ path: String, to value: JSONValue, in object: inout JSONValue) {
        let keys = steps(path).compactMap { if case .key(let k) = $0 { k } else { nil } }
        func assign(_ node: inout JSONValue, _ keys: ArraySlice<String>) {
            guard let key = keys.first else {
                node = value
                return
            }
            if node.objectValue == nil { node = .object(JSONObject()) }
            var child = node[key] ?? .object(JSONObject())
            assign(&child, keys.dropFirst())
            node[key] = child
        }
        assign(&object, keys[...])
    }
}

extension Substring {
    fileprivate var trimmingQuotes: String {
        var s = self
        if s.hasPrefix("'") || s.hasPrefix("\"") { s = s.dropFirst() }
        if s.hasSuffix("'") || s.hasSuffix("\"") { s = s.dropLast() }
        return String(s)
    }
}
