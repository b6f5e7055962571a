import ClassifierConfig
import ClassifierCore
import Foundation
import KubeCore
import SemanticRouteAPI
import SemanticRouteRender
import Testing
@testable import ClassifierServer
import SemrouteTestSupport

/// The rendered EnvoyPatchPolicy played the way Envoy runs it: the filter's processing mode and
/// `allow_mode_override` come from `semroute render` of a sample, the classifier runs the config rendered
/// for that sample, and ``EnvoyFilterModel`` sends each phase only when Envoy would. Each case asserts the
/// exact phases sent and the overrides that decided them (docs/classifier.md, "Phases").
@Suite("ext_proc phases as Envoy runs the rendered filter", .timeLimit(.minutes(10)), .uses(.cpu))
struct ExtProcPhaseTests {
    /// One sample, rendered: the ext_proc filter Envoy would run and the classifier's config.
    struct RenderedRoute {
        var filter: EnvoyFilterModel
        var config: ClassifierConfig
        /// The filter's `typed_config` as rendered (JSON), for the Python client.
        var filterJSON: String

        /// `sample` under manifests/samples, with `edit` applied to its JSON before decoding.
        init(sample: String, edit: (inout JSONValue) -> Void = { _ in }) throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let text = try String(contentsOf: root.appendingPathComponent("manifests/samples/\(sample)"), encoding: .utf8)
            var json = try YAMLReader.document(text)
            edit(&json)
            let route = try SemanticRouteDecoder.decode(json).get()
            let objects = Renderer().render(route)
            let policy = try #require(objects.first { $0.kind == "EnvoyPatchPolicy" })
            let spec = try #require(try JSONSerialization.jsonObject(with: Data(JSONWriter.bytes(policy.body))) as? [String: Any])["spec"] as? [String: Any]
            let patch = try #require((spec?["jsonPatches"] as? [[String: Any]])?.first { ($0["type"] as? String)?.hasSuffix("Listener") == true })
            let filter = try #require(((patch["operation"] as? [String: Any])?["value"] as? [String: Any])?["typed_config"] as? [String: Any])
            filterJSON = String(decoding: try JSONSerialization.data(withJSONObject: filter, options: [.sortedKeys]), as: UTF8.self)
            self.filter = EnvoyFilterModel(mode: try ProcessingMode(renderedJSON: try #require(filter["processing_mode"] as? [String: Any])),
                                           allowModeOverride: filter["allow_mode_override"] as? Bool ?? false)
            let configMap = try #require(objects.first { $0.kind == "ConfigMap" })
            let configJSON = try #require(configMap.body[path: "data", "config.json"]?.stringValue)
            config = try JSONDecoder().decode(ClassifierConfig.self, from: Data(configJSON.utf8))
        }
    }

    static let blockCreditCards: @Sendable (inout JSONValue) -> Void = { json in
        json["spec"]?["safety"] = ["pii": ["action": "Block", "entities": ["CREDIT_CARD"]]]
    }

    static func chat(_ model: String, _ text: String, stream: Bool = false) -> [UInt8] {
        var object: [String: Any] = ["model": model, "messages": [["role": "user", "content": text]]]
        if stream { object["stream"] = true }
        return [UInt8](try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// Request headers only, for everything that is not a chat completion; the body is never asked for.
    static func expectNotOursOverride(_ trace: EnvoyFilterModel.Trace) {
        #expect(trace.overrides.count == 1)
        let mode = trace.overrides.first
        #expect(mode?.requestBodyMode == ProcessingMode.BodySendMode.none)
        #expect(mode?.responseHeaderMode == .skip)
        #expect(mode?.responseBodyMode == ProcessingMode.BodySendMode.none)
    }

    @Test("every sample renders one base mode (body BUFFERED, response SKIP) with allow_mode_override")
    func renderedBase() throws {
        for sample in ["keyword-only.yaml", "cache.yaml", "safety.yaml", "mom.yaml"] {
            let filter = try RenderedRoute(sample: sample).filter
            #expect(filter.allowModeOverride, "\(sample)")
            #expect(filter.mode.requestHeaderMode == .send && filter.mode.requestBodyMode == .buffered, "\(sample)")
            #expect(filter.mode.responseHeaderMode == .skip && filter.mode.responseBodyMode == ProcessingMode.BodySendMode.none, "\(sample)")
        }
    }

    @Test("cache off: not ours = request headers only; ours, streamed or not, other model, blocked = request headers and body")
    func cacheOff() async throws {
        let route = try RenderedRoute(sample: "keyword-only.yaml", edit: Self.blockCreditCards)
        let model = route.config.models[0]
        try await ClassifierServerHarness.with(config: route.config) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let upload = try await route.filter.play(.init(path: "/api/v1/upload", contentType: "application/octet-stream",
                                                               requestBody: [UInt8](repeating: 7, count: 100_000)), on: envoy)
                #expect(upload.phases == [.requestHeaders])
                Self.expectNotOursOverride(upload)
                let list = try await route.filter.play(.init(method: "GET", path: "/v1/models", contentType: nil), on: envoy)
                #expect(list.phases == [.requestHeaders])
                Self.expectNotOursOverride(list)

                for stream in [false, true] {
                    let ours = try await route.filter.play(.init(requestBody: Self.chat(model, "SELECT with GROUP BY in postgres", stream: stream)), on: envoy)
                    #expect(ours.phases == [.requestHeaders, .requestBody], "stream: \(stream)")
                    #expect(ours.overrides.first?.responseHeaderMode == .skip, "the response is never seen, stream: \(stream)")
                    #expect(ours.answers.last?.newBodyJSON?["model"] as? String == "keyword-only.sql")
                }
                let other = try await route.filter.play(.init(requestBody: Self.chat("gpt-4o", "postgres GROUP BY")), on: envoy)
                #expect(other.phases == [.requestHeaders, .requestBody])
                #expect(other.answers.last?.isPlainContinue == true)
                let blocked = try await route.filter.play(.init(requestBody: Self.chat(model, "card 4111 1111 1111 1111, SQL please")), on: envoy)
                #expect(blocked.phases == [.requestHeaders, .requestBody])
                #expect(blocked.immediate?.status.code.rawValue == 403)
            }
        }
    }

    @Test("cache on: a cacheable answer's body is read once, then served from the cache; streams and errors show only their headers")
    func cacheOn() async throws {
        let route = try RenderedRoute(sample: "cache.yaml", edit: Self.blockCreditCards)
        let model = route.config.models[0]
        let question = Self.chat(model, "Why was I charged twice this month?")
        try await ClassifierServerHarness.with(config: route.config, encoder: HashedWordsEncoder()) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let upload = try await route.filter.play(.init(path: "/api/v1/upload", contentType: "application/octet-stream",
                                                               requestBody: [UInt8](repeating: 7, count: 100_000)), on: envoy)
                #expect(upload.phases == [.requestHeaders])
                Self.expectNotOursOverride(upload)

                let stream = try await route.filter.play(.init(requestBody: Self.chat(model, "Why was I charged twice?", stream: true),
                                                               responseContentType: "text/event-stream",
                                                               responseBody: Array("data: {}\n\n".utf8)), on: envoy)
                #expect(stream.phases == [.requestHeaders, .requestBody, .responseHeaders], "the streamed body passes by unseen")
                #expect(stream.overrides.last?.responseBodyMode == ProcessingMode.BodySendMode.none)

                let failed = try await route.filter.play(.init(requestBody: question, responseStatus: 500), on: envoy)
                #expect(failed.phases == [.requestHeaders, .requestBody, .responseHeaders])

                let miss = try await route.filter.play(.init(requestBody: question), on: envoy)
                #expect(miss.phases == [.requestHeaders, .requestBody, .responseHeaders, .responseBody])
                #expect(miss.overrides.first?.responseHeaderMode == .send)
                #expect(miss.overrides.last?.responseBodyMode == .buffered)
                let hit = try await route.filter.play(.init(requestBody: question), on: envoy)
                #expect(hit.phases == [.requestHeaders, .requestBody])
                #expect(hit.immediate?.status.code.rawValue == 200)

                let other = try await route.filter.play(.init(requestBody: Self.chat("gpt-4o", "Why was I charged twice?")), on: envoy)
                #expect(other.phases == [.requestHeaders, .requestBody, .responseHeaders], "another model's answer is not read")
                let blocked = try await route.filter.play(.init(requestBody: Self.chat(model, "my card 4111 1111 1111 1111 was charged twice")), on: envoy)
                #expect(blocked.phases == [.requestHeaders, .requestBody])
                #expect(blocked.immediate?.status.code.rawValue == 403)
            }
            let metrics = String(decoding: harness.registry.emitToBuffer(), as: UTF8.self)
            #expect(metrics.contains(#"semroute_classifier_pass_through_total{reason="not_chat_completions"} 1"#), "\(metrics)")
        }
    }

    @Test("an Envoy that ignores mode_override (allow_mode_override false) still gets correct answers, only more phases")
    func overrideIgnored() async throws {
        var route = try RenderedRoute(sample: "keyword-only.yaml")
        route.filter.allowModeOverride = false
        try await ClassifierServerHarness.with(config: route.config) { harness in
            try await EnvoySide.with(port: harness.ports.grpc) { envoy in
                let upload = try await route.filter.play(.init(path: "/api/v1/upload", contentType: "application/octet-stream",
                                                               requestBody: [UInt8](repeating: 7, count: 1000)), on: envoy)
                #expect(upload.phases == [.requestHeaders, .requestBody])
                #expect(upload.answers.allSatisfy { $0.isPlainContinue })
            }
            let metrics = String(decoding: harness.registry.emitToBuffer(), as: UTF8.self)
            #expect(metrics.contains(#"semroute_classifier_pass_through_total{reason="not_chat_completions"} 1"#), "counted once: \(metrics)")
        }
    }
}

/// A deterministic encoder for cache tests without the model: hashed words, normalised (texts with the same
/// words embed alike).
struct HashedWordsEncoder: TextEncoder {
    let dimension = 32

    func embed(_ text: String) -> [Float] {
        var v = [Float](repeating: 0, count: dimension)
        for word in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
            var h: UInt32 = 2166136261
            for byte in word.utf8 { h = (h ^ UInt32(byte)) &* 16777619 }
            v[Int(h % UInt32(dimension))] += 1
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? v.map { $0 / norm } : v
    }

    func embed(batch texts: [String]) -> [[Float]] { texts.map(embed) }
}
