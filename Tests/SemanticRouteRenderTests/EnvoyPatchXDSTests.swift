import Foundation
import KubeCore
import SemanticRouteAPI
import SemanticRouteRender
import Testing

/// The rendered EnvoyPatchPolicy applied the way Envoy Gateway applies JSON patches (JSON Pointer `add`
/// that creates missing parents; a `jsonPath` operation expanding to one pointer per match with `path`
/// appended) to a checked-in xDS dump of a Gateway with two listeners and several routes
/// (XDS/two-listeners-two-routes.json names its sources), then asked which requests reach the classifier
/// with Envoy's rule for a filter disabled on the listener: it runs only where the route the request
/// matches on arrival carries its per-route config.
@Suite("the rendered EnvoyPatchPolicy on an Envoy Gateway xDS dump", .timeLimit(.minutes(2)))
struct EnvoyPatchXDSTests {
    static let dumpURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("XDS/two-listeners-two-routes.json")

    struct Dump {
        var resources: [String: [JSONValue]]  // by type: listeners, route_configurations, clusters

        static let sections = [
            "type.googleapis.com/envoy.config.listener.v3.Listener": "listeners",
            "type.googleapis.com/envoy.config.route.v3.RouteConfiguration": "route_configurations",
            "type.googleapis.com/envoy.config.cluster.v3.Cluster": "clusters",
        ]

        init() throws {
            let json = try JSONParser.parse([UInt8](Data(contentsOf: EnvoyPatchXDSTests.dumpURL)))
            resources = [:]
            for section in Self.sections.values { resources[section] = json[section]?.arrayValue ?? [] }
        }

        func resource(_ section: String, _ name: String) -> JSONValue? {
            resources[section]?.first { $0["name"]?.stringValue == name }
        }

        /// One entry of `spec.jsonPatches`, as Envoy Gateway applies it.
        mutating func apply(_ patch: JSONValue) throws {
            let type = try #require(patch["type"]?.stringValue)
            let section = try #require(Self.sections[type], "patch type \(type) not modelled")
            let name = try #require(patch["name"]?.stringValue)
            let op = try #require(patch["operation"])
            #expect(op["op"]?.stringValue == "add", "only add is modelled")
            let value = try #require(op["value"])
            let path = op["path"]?.stringValue ?? ""
            if path.isEmpty && op["jsonPath"] == nil {  // a new resource
                resources[section, default: []].append(value)
                return
            }
            var list = resources[section] ?? []
            let index = try #require(list.firstIndex { $0["name"]?.stringValue == name }, "no \(section) named \(name)")
            let pointers: [[String]]
            if let jsonPath = op["jsonPath"]?.stringValue {
                pointers = try Self.evaluate(jsonPath, in: list[index]).map { $0 + Self.tokens(path) }
                #expect(!pointers.isEmpty, "jsonPath \(jsonPath) matches nothing: Envoy Gateway rejects the patch")
            } else {
                pointers = [Self.tokens(path)]
            }
            for pointer in pointers { list[index] = try Self.add(value, at: pointer[...], in: list[index]) }
            resources[section] = list
        }

        static func tokens(_ pointer: String) -> [String] {
            pointer.split(separator: "/", omittingEmptySubsequences: true).map {
                $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            }
        }

        /// JSON Pointer `add`, creating missing objects on the way (Envoy Gateway's EnsurePathExistsOnAdd).
        static func add(_ value: JSONValue, at pointer: ArraySlice<String>, in json: JSONValue) throws -> JSONValue {
            guard let token = pointer.first else { return value }
            let rest = pointer.dropFirst()
            switch json {
            case .object(var object):
                object[token] = rest.isEmpty ? value : try add(value, at: rest, in: object[token] ?? .object(JSONObject()))
                return .object(object)
            case .array(var array):
                let i = token == "-" ? array.count : try #require(Int(token))
                if rest.isEmpty { array.insert(value, at: i) } else { array[i] = try add(value, at: rest, in: array[i]) }
                return .array(array)
            default:
                throw Unmodelled(description: "cannot add under \(json.typeName)")
            }
        }

        struct Unmodelled: Error, CustomStringConvertible { var description: String }

        /// The jsonPath form the render uses, `..<key>[?match(@.name, '<I-Regexp>')]`: every member `<key>`
        /// at any depth that is an array, and its elements whose `name` the expression fully matches.
        static func evaluate(_ jsonPath: String, in json: JSONValue) throws -> [[String]] {
            let form = try NSRegularExpression(pattern: #"^\.\.([A-Za-z_]+)\[\?match\(@\.name, '([^']*)'\)\]$"#)
            let ns = jsonPath as NSString
            let m = try #require(form.firstMatch(in: jsonPath, range: NSRange(location: 0, length: ns.length)),
                                 "jsonPath form not modelled: \(jsonPath)")
            let key = ns.substring(with: m.range(at: 1))
            let regex = try NSRegularExpression(pattern: "^(?:\(ns.substring(with: m.range(at: 2))))$")
            var found: [[String]] = []
            func walk(_ value: JSONValue, _ path: [String]) {
                switch value {
                case .object(let object):
                    for (k, v) in object {
                        if k == key, let items = v.arrayValue {
                            for (i, item) in items.enumerated() {
                                let name = item["name"]?.stringValue ?? ""
                                if regex.firstMatch(in: name, range: NSRange(location: 0, length: (name as NSString).length)) != nil {
                                    found.append(path + [k, String(i)])
                                }
                            }
                        }
                        walk(v, path + [k])
                    }
                case .array(let items):
                    for (i, item) in items.enumerated() { walk(item, path + [String(i)]) }
                default: break
                }
            }
            walk(json, [])
            return found
        }

        /// The route a request matches on arrival (before any filter changed its headers): virtual host by
        /// `:authority`, then the first route whose prefix and exact header matches hold.
        func route(listener: String, host: String, path: String, headers: [String: String] = [:]) throws -> JSONValue? {
            let hcm = try #require(resource("listeners", listener)?[path: "default_filter_chain", "filters"]?.arrayValue?.first?["typed_config"])
            let configName = try #require(hcm[path: "rds", "route_config_name"]?.stringValue)
            let config = try #require(resource("route_configurations", configName))
            let hosts = config["virtual_hosts"]?.arrayValue ?? []
            let vhost = hosts.first { ($0["domains"]?.arrayValue ?? []).contains(.string(host)) }
                ?? hosts.first { ($0["domains"]?.arrayValue ?? []).contains("*") }
            return vhost?["routes"]?.arrayValue?.first { route in
                guard path.hasPrefix(route[path: "match", "prefix"]?.stringValue ?? "") else { return false }
                return (route[path: "match", "headers"]?.arrayValue ?? []).allSatisfy { h in
                    headers[h["name"]?.stringValue ?? ""] == h[path: "string_match", "exact"]?.stringValue
                }
            }
        }

        /// Envoy's rule for an HTTP filter: absent from the listener → never runs; `disabled: true` there →
        /// runs only on a route that carries per-route config under the filter's name.
        func runs(_ filter: String, listener: String, host: String, path: String, headers: [String: String] = [:]) throws -> Bool {
            let filters = try #require(resource("listeners", listener)?[path: "default_filter_chain", "filters"]?.arrayValue?.first?[path: "typed_config", "http_filters"]?.arrayValue)
            guard let entry = filters.first(where: { $0["name"]?.stringValue == filter }) else { return false }
            guard entry["disabled"]?.boolValue == true else { return true }
            let matched = try route(listener: listener, host: host, path: path, headers: headers)
            return matched?[path: "typed_per_filter_config", filter] != nil
        }
    }

    static func patched(sample: String) throws -> (Dump, filter: String) {
        let policy = try #require(try Fixtures.render(sample).first { $0.kind == "EnvoyPatchPolicy" })
        var dump = try Dump()
        for patch in try #require(policy.body[path: "spec", "jsonPatches"]?.arrayValue) { try dump.apply(patch) }
        let filter = try #require(policy.body[path: "spec", "jsonPatches"]?.arrayValue?.first?[path: "operation", "value", "name"]?.stringValue)
        return (dump, filter)
    }

    @Test("the filter goes first on its listener, disabled, ahead of AI Gateway's; the other listener is untouched")
    func listenerShape() throws {
        let (dump, filter) = try Self.patched(sample: "mom.yaml")
        let http = try #require(dump.resource("listeners", "envoy-gateway-system/ai-gateway/http")?[path: "default_filter_chain", "filters"]?.arrayValue?.first?[path: "typed_config", "http_filters"]?.arrayValue)
        #expect(http.map { $0["name"]?.stringValue ?? "" } == [filter, "envoy.filters.http.ext_proc/aigateway", "envoy.filters.http.router"])
        #expect(http[0]["disabled"]?.boolValue == true)
        // AI Gateway inserts its filter before the first one named envoy.filters.http.ext_proc…, router, …:
        // a name with that prefix would put ours behind it.
        #expect(!filter.hasPrefix("envoy.filters.http."))
        let other = try #require(dump.resource("listeners", "envoy-gateway-system/ai-gateway/internal")?[path: "default_filter_chain", "filters"]?.arrayValue?.first?[path: "typed_config", "http_filters"]?.arrayValue)
        #expect(other.count == 1)
        #expect(dump.resource("clusters", filter) != nil, "the classifier's cluster is added")
    }

    @Test("only this route's requests reach its classifier: not the upload route, not another AIGatewayRoute, not the other listener")
    func scopedToRoute() throws {
        let (dump, filter) = try Self.patched(sample: "mom.yaml")
        let http = "envoy-gateway-system/ai-gateway/http"
        // A chat request arrives without x-ai-eg-model: it matches AI Gateway's catch-all of our HTTPRoute.
        #expect(try dump.route(listener: http, host: "llm.example.com", path: "/v1/chat/completions")?["name"]?.stringValue
                == "httproute/llm/mom/rule/2/match/0/llm_example_com")
        #expect(try dump.runs(filter, listener: http, host: "llm.example.com", path: "/v1/chat/completions"))
        #expect(try dump.runs(filter, listener: http, host: "llm.example.com", path: "/v1/chat/completions", headers: ["x-ai-eg-model": "MoM"]),
                "a client that sets the model header itself matches one of our rules: still classified")
        #expect(try !dump.runs(filter, listener: http, host: "llm.example.com", path: "/api/v1/upload"), "a plain HTTPRoute on the same host")
        #expect(try !dump.runs(filter, listener: http, host: "support.example.com", path: "/v1/chat/completions"), "another AIGatewayRoute")
        #expect(try !dump.runs(filter, listener: "envoy-gateway-system/ai-gateway/internal", host: "ops.example.com", path: "/"))
        // AI Gateway's own filter keeps its per-route config on our routes.
        #expect(try dump.runs("envoy.filters.http.ext_proc/aigateway", listener: http, host: "llm.example.com", path: "/v1/chat/completions"))
        // Exactly our three routes carry the per-route config, an ExtProcPerRoute Envoy accepts (one of its oneof set).
        let routes = dump.resources["route_configurations"]!.flatMap { ($0["virtual_hosts"]?.arrayValue ?? []).flatMap { $0["routes"]?.arrayValue ?? [] } }
        let enabled = routes.filter { $0[path: "typed_per_filter_config", filter] != nil }.compactMap { $0["name"]?.stringValue }
        #expect(enabled == ["httproute/llm/mom/rule/0/match/0/llm_example_com", "httproute/llm/mom/rule/1/match/0/llm_example_com",
                            "httproute/llm/mom/rule/2/match/0/llm_example_com"])
        let perRoute = try #require(routes.first { $0[path: "typed_per_filter_config", filter] != nil }?[path: "typed_per_filter_config", filter])
        #expect(perRoute["@type"]?.stringValue == "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute")
        #expect(perRoute["overrides"]?.objectValue != nil)
    }

    @Test("a route name with dots matches only itself: the pattern writes them [.]")
    func dotsInNames() throws {
        let text = try Fixtures.text("mom.yaml").replacingOccurrences(of: "  name: mom\n", with: "  name: mom.v2\n")
        let route = try #require(try SemanticRouteDecoder.decodeAll(yaml: text).get().first)
        #expect(route.name == "mom.v2")
        let regex = try NSRegularExpression(pattern: "^(?:\(RouteNames(route).envoyRoutesPattern))$")
        func matches(_ name: String) -> Bool {
            regex.firstMatch(in: name, range: NSRange(location: 0, length: (name as NSString).length)) != nil
        }
        #expect(matches("httproute/llm/mom.v2/rule/0/match/0/llm_example_com"))
        #expect(matches("httproute/llm/mom.v2/rule/12/match/3/*"))
        #expect(!matches("httproute/llm/momXv2/rule/0/match/0/llm_example_com"))
        #expect(!matches("httproute/llm/mom.v2-canary/rule/0/match/0/llm_example_com"))
        #expect(!matches("httproute/other/mom.v2/rule/0/match/0/llm_example_com"))
    }
}
