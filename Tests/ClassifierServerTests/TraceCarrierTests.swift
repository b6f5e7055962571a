import Testing
@testable import ClassifierServer

@Suite("W3C traceparent accepted as a parent only when well-formed", .timeLimit(.minutes(1)))
struct TraceCarrierTests {
    @Test("version 00 with non-zero ids; a later version may append fields; anything else is skipped",
          arguments: [
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true),
            ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", true),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", false),
            ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", false),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false),
            ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false),
            ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", false),
            ("garbage", false),
          ])
    func validity(traceparent: String, valid: Bool) {
        #expect(TraceCarrier(traceparent: traceparent).isValid == valid)
    }

    @Test("an oversized tracestate is dropped, the parent kept")
    func tracestate() {
        let extractor = TraceCarrier.Extractor()
        let carrier = TraceCarrier(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                   tracestate: String(repeating: "a", count: 513))
        #expect(extractor.extract(key: "tracestate", from: carrier) == nil)
        #expect(extractor.extract(key: "traceparent", from: carrier) == carrier.traceparent)
        #expect(extractor.extract(key: "tracestate", from: TraceCarrier(tracestate: "vendor=1")) == "vendor=1")
    }
}
