import Foundation
import Testing
@testable import ClassifierCore

@Suite("Model location", .timeLimit(.minutes(2)))
struct EncoderModelLocationTests {
    @Test("an explicit path wins over the environment")
    func explicitWins() {
        #expect(ModelLocation.resolve(explicit: "/opt/model", environment: ["SEMROUTE_MODEL_DIR": "/env/model"]) == "/opt/model")
    }

    @Test("$SEMROUTE_MODEL_DIR is used when no path is given")
    func environment() {
        #expect(ModelLocation.resolve(explicit: nil, environment: ["SEMROUTE_MODEL_DIR": "/env/model"]) == "/env/model")
        #expect(ModelLocation.resolve(explicit: "", environment: ["SEMROUTE_MODEL_DIR": "/env/model"]) == "/env/model")
    }

    @Test("otherwise the nearest models/all-minilm-l6-v2 above the search folder is used")
    func searchesParents() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("semroute-location-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let model = root.appendingPathComponent("models/all-minilm-l6-v2")
        let nested = root.appendingPathComponent("Sources/deep/er")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        #expect(ModelLocation.resolve(environment: [:], searchFrom: nested.path) == model.standardizedFileURL.path)
    }

    @Test("without any model folder it names the default location under the search folder")
    func defaultLocation() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("semroute-location-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        #expect(ModelLocation.resolve(environment: [:], searchFrom: root.path)
                == root.appendingPathComponent("models/all-minilm-l6-v2").standardizedFileURL.path)
    }
}
