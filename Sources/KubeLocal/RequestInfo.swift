import Foundation

/// What a request is about, parsed from its path the way kube-apiserver's RequestInfoFactory does.
struct RequestInfo: Sendable, Hashable {
    var verb: String
    var group = ""
    var version = ""
    var resource = ""
    var namespace: String?
    var name: String?
    var subresource: String?
    var isResourceRequest = false
    var isWatch = false

    /// `list configmaps`, `patch semanticroutes.semroute.io/scale`.
    var label: String {
        guard isResourceRequest else { return verb }
        var r = group.isEmpty ? resource : "\(resource).\(group)"
        if let subresource { r += "/\(subresource)" }
        return "\(verb) \(r)"
    }

    init(method: String, path: String, query: [String: String]) {
        verb = method.lowercased()
        var parts = path.split(separator: "/").map(String.init)
        guard let first = parts.first, first == "api" || first == "apis" else { return }
        if first == "api" {
            guard parts.count >= 3 else { return }
            version = parts[1]
            parts = Array(parts.dropFirst(2))
        } else {
            guard parts.count >= 4 else { return }
            group = parts[1]
            version = parts[2]
            parts = Array(parts.dropFirst(3))
        }
        isResourceRequest = true
        if parts.first == "watch" {
            isWatch = true
            parts.removeFirst()
        }
        if parts.first == "namespaces", parts.count > 1 {
            namespace = parts[1]
            if parts.count > 2 && !["status", "finalize"].contains(parts[2]) {
                parts = Array(parts.dropFirst(2))
            } else {
                namespace = nil
            }
        }
        resource = parts.first ?? ""
        if parts.count > 1 { name = parts[1] }
        if parts.count > 2 { subresource = parts[2] }
        if resource == "namespaces", let n = name, namespace == nil { _ = n }
        if query["watch"] == "true" || query["watch"] == "1" { isWatch = true }
        switch method {
        case "GET": verb = isWatch ? "watch" : (name == nil ? "list" : "get")
        case "POST": verb = "create"
        case "PUT": verb = "update"
        case "PATCH": verb = "patch"
        case "DELETE": verb = name == nil ? "deletecollection" : "delete"
        default: verb = method.lowercased()
        }
    }

    /// Decodes `a=b&c=d` with percent-decoding (`+` is a space).
    static func parseQuery(_ query: String?) -> [String: String] {
        var out: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            out[decode(kv[0])] = kv.count > 1 ? decode(kv[1]) : ""
        }
        return out
    }
}
