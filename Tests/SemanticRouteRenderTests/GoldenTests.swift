import Foundation
import KubeCore
import SemanticRouteRender
import Testing

/// Each sample's rendered YAML is compared byte for byte with its golden file. Goldens change only
/// through `make golden` (SEMROUTE_UPDATE_GOLDEN=1), so every change to the output shows in review.
@Suite("Golden render output", .timeLimit(.minutes(3)))
struct GoldenTests {
    @Test("there are enough samples to cover the API")
    func sampleCount() {
        #expect(Fixtures.samples.count >= 10, "samples: \(Fixtures.samples)")
    }

    @Test("rendered output matches the golden file", arguments: Fixtures.samples)
    func golden(sample: String) throws {
        let rendered = YAMLWriter.documents(try Fixtures.render(sample).map(\.body))
        let golden = Fixtures.goldenDirectory.appendingPathComponent(sample.replacingOccurrences(of: "/", with: "--"))
        if ProcessInfo.processInfo.environment["SEMROUTE_UPDATE_GOLDEN"] == "1" {
            try rendered.write(to: golden, atomically: true, encoding: .utf8)
            return
        }
        let expected = try? String(contentsOf: golden, encoding: .utf8)
        #expect(expected != nil, "no golden file for \(sample); run `make golden`")
        #expect(rendered == expected, "render of \(sample) differs from \(golden.lastPathComponent); review and run `make golden`")
    }

    @Test("no golden file is left without its sample")
    func noOrphans() throws {
        let goldens = try FileManager.default.contentsOfDirectory(atPath: Fixtures.goldenDirectory.path).filter { $0.hasSuffix(".yaml") }
        let expected = Set(Fixtures.samples.map { $0.replacingOccurrences(of: "/", with: "--") })
        #expect(Set(goldens).subtracting(expected).isEmpty)
    }
}
