/// Request headers as `when.headers` conditions see them: names lower-cased, a header sent several times
/// as its values joined by `,` in the order sent (as Envoy's header matchers see it). Both the ext_proc
/// stream and `/v1/classify` build the map with this, so a preview with `curl -H` sees what Envoy would send.
public enum RequestHeaders {
    public static func dictionary(_ fields: some Sequence<(name: String, value: String)>) -> [String: String] {
        var headers: [String: String] = [:]
        for (name, value) in fields {
            let key = name.lowercased()
            if let earlier = headers[key] { headers[key] = earlier + "," + value } else { headers[key] = value }
        }
        return headers
    }
}
