import KubeCore
import Testing
@testable import KubeClient

@Suite("incremental watch-line decoding", .timeLimit(.minutes(2)))
struct WatchLineDecoderTests {
    static let body = """
        {"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"5"},"data":{"k":"é ✓"}}}
        {"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"9"}}}

        {"type":"DELETED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"10"}}}

        """

    @Test("events split across chunks at every byte position decode the same, once each, in order")
    func everySplit() throws {
        let bytes = Array(Self.body.utf8)
        for cut in 0...bytes.count {
            for cut2 in [cut, min(bytes.count, cut + 7)] {
                var decoder = WatchLineDecoder()
                var events = try decoder.decode(bytes[0..<cut])
                events += try decoder.decode(bytes[cut..<cut2])
                events += try decoder.decode(bytes[cut2...])
                if let last = try decoder.finish() { events.append(last) }
                #expect(events.map(\.type) == [.added, .bookmark, .deleted], "cut at \(cut)/\(cut2)")
                #expect(events.map(\.resourceVersion) == ["5", "9", "10"])
                #expect(events[0].object[path: "data", "k"] == "é ✓")
            }
        }
    }

    @Test("a last line without a newline is decoded when the body ends")
    func trailingLine() throws {
        var decoder = WatchLineDecoder()
        #expect(try decoder.decode(Array(#"{"type":"MODIFIED","object":{"metadata":{"name":"x"}}}"#.utf8)).isEmpty)
        #expect(try decoder.finish()?.type == .modified)
        #expect(try decoder.finish() == nil)
    }

    @Test("malformed lines and unknown event types are transport errors naming the problem")
    func malformed() {
        var decoder = WatchLineDecoder()
        #expect(throws: KubeError.self) { try decoder.decode(Array("{\"type\":\n".utf8)) }
        var other = WatchLineDecoder()
        let error = #expect(throws: KubeError.self) {
            try other.decode(Array(#"{"type":"RENAMED","object":{}}"#.utf8 + [10]))
        }
        #expect(error?.description.contains("RENAMED") == true)
    }

    @Test("a line longer than the limit is an error instead of unbounded buffering")
    func tooLong() {
        var decoder = WatchLineDecoder(maximumLineLength: 16)
        #expect(throws: KubeError.self) { try decoder.decode(Array(repeating: UInt8(ascii: "x"), count: 17)) }
    }
}
