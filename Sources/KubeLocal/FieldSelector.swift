import Foundation
import KubeCore

/// `?fieldSelector=`: `metadata.name` and `metadata.namespace` with `=`, `==` and `!=`, comma-separated (the
/// fields every resource supports in kube-apiserver). Other fields are a 400, as kube-apiserver answers.
struct FieldSelector: Sendable {
    struct Requirement: Sendable {
        var field: String
        var value: String
        var equal: Bool
    }

    var requirements: [Requirement] = []

    static let supported = ["metadata.name", "metadata.namespace"]

    init() {}

    init(parsing text: String) throws(APIError) {
        for raw in text.split(separator: ",") {
            let part = String(raw)
            let (field, value, equal): (Substring, Substring, Bool)
            if let r = part.range(of: "!=") {
                (field, value, equal) = (part[..<r.lowerBound], part[r.upperBound...], false)
            } else if let r = part.range(of: "==") {
                (field, value, equal) = (part[..<r.lowerBound], part[r.upperBound...], true)
            } else if let r = part.range(of: "=") {
                (field, value, equal) = (part[..<r.lowerBound], part[r.upperBound...], true)
            } else {
                throw .badRequest("invalid field selector: \"\(part)\": expected an operator (=, ==, !=)")
            }
            let name = field.trimmingCharacters(in: .whitespaces)
            guard Self.supported.contains(name) else {
                throw .badRequest("field label not supported: \(name)")
            }
            requirements.append(Requirement(field: name, value: value.trimmingCharacters(in: .whitespaces), equal: equal))
        }
    }

    func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { r in
            let have: String
            switch r.field {
            case "metadata.name": have = object[path: "metadata", "name"]?.stringValue ?? ""
            default: have = object[path: "metadata", "namespace"]?.stringValue ?? ""
            }
            return (have == r.value) == r.equal
        }
    }
}
