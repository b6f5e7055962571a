import Foundation
import ClassifierCore

extension Envoy_Config_Core_V3_HeaderMap {
    /// The value of the first header named `name` (lower-case, as Envoy sends keys). Envoy's ext_proc filter
    /// puts values in `raw_value`; older senders use `value`, so both are read.
    func value(of name: String) -> String? {
        guard let header = headers.first(where: { $0.key == name }) else { return nil }
        if !header.rawValue.isEmpty { return String(decoding: header.rawValue, as: UTF8.self) }
        return header.value
    }

    /// Every header as `when.headers` conditions see them (lower-cased names, repeated ones joined by `,`;
    /// pseudo-headers such as `:path` included, though no condition can name them).
    var requestHeaders: [String: String] {
        RequestHeaders.dictionary(headers.map { header in
            (name: header.key, value: header.rawValue.isEmpty ? header.value : String(decoding: header.rawValue, as: UTF8.self))
        })
    }
}

extension Envoy_Config_Core_V3_HeaderValueOption {
    /// Sets `name` to `value`, replacing any existing header of that name. The value goes in `raw_value`,
    /// as Envoy expects from ext_proc servers.
    static func overwrite(_ name: String, _ value: String) -> Self {
        var option = Self()
        option.header.key = name
        option.header.rawValue = Data(value.utf8)
        option.appendAction = .overwriteIfExistsOrAdd
        return option
    }
}
