import Foundation
import KubeCore

/// `?fieldSelector=`: `metadata.name` and `metadata.namespace` with `=`, `==` and `!=`, comma-separated (the
/// fields every resource supports in kube-apiserver), and for Events kube-apiserver's event fields
/// (`involvedObject.name`, `reason`, `type`, ...; through events.k8s.io/v1 under their names there,
/// `regarding.name`, `reportingController`). Other fields are a 400, as kube-apiserver answers.
struct FieldSelector: Sendable {
    struct Requirement: Sendable {
        var field: String
        var value: String
        var equal: Bool
    }

    var requirements: [Requirement] = []

    static let supported = ["metadata.name", "metadata.namespace"]

    init() {}

    /// Parses `text` for a list or watch of `type`. Requirements name the stored object's fields (events.k8s.io
    /// names are mapped to the core Event fields they are stored as).
    init(parsing text: String, for type: ResourceType) throws(APIError) {
        let eventFields = type.storeKey == "events"
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
            let stored = type.isEventsV1View ? EventConversion.coreSelectorField(name) : name
            guard Self.supported.contains(name) || (eventFields && EventConversion.coreSelectableFields.contains(stored)) else {
                throw .badRequest("field label not supported: \(name)")
            }
            requirements.append(Requirement(field: stored, value: value.trimmingCharacters(in: .whitespaces), equal: equal))
        }
    }

    func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { r in
            // `source` selects on the source's component, as in kube-apiserver's event field set.
            let path = r.field == "source" ? ["source", "component"] : r.field.split(separator: ".").map(String.init)
            var value: JSONValue? = object
            for key in path { value = value?[key] }
            let have = Self.text(value)
            return (have == r.value) == r.equal
        }
    }

    /// A field's value as a selector compares it: strings as they are, numbers in decimal, absent as empty.
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let s)?: s
        case .int(let i)?: String(i)
        default: ""
        }
    }
}
