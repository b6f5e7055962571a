import Metrics
import Synchronization

/// A metrics backend for tests: keeps the last value per `label{dims}`. Bootstrapped once per test process;
/// tests keep apart by using their own metric-name prefix.
final class RecordingMetrics: MetricsFactory, Sendable {
    static let shared: RecordingMetrics = {
        let factory = RecordingMetrics()
        MetricsSystem.bootstrap(factory)
        return factory
    }()

    final class Handler: CounterHandler, RecorderHandler, TimerHandler, Sendable {
        let key: String
        let store: RecordingMetrics
        init(key: String, store: RecordingMetrics) { self.key = key; self.store = store }
        func increment(by amount: Int64) { store.values.withLock { $0[key, default: 0] += Double(amount) } }
        func reset() { store.values.withLock { $0[key] = 0 } }
        func record(_ value: Int64) { store.values.withLock { $0[key] = Double(value) } }
        func record(_ value: Double) { store.values.withLock { $0[key] = value } }
        func recordNanoseconds(_ duration: Int64) { store.values.withLock { $0[key + "#count", default: 0] += 1 } }
    }

    let values = Mutex<[String: Double]>([:])

    static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        dimensions.isEmpty ? label : label + "{" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
    }

    func value(_ label: String, _ dimensions: [(String, String)] = []) -> Double? {
        values.withLock { $0[Self.key(label, dimensions)] }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> CounterHandler {
        Handler(key: Self.key(label, dimensions), store: self)
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> RecorderHandler {
        Handler(key: Self.key(label, dimensions), store: self)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> TimerHandler {
        Handler(key: Self.key(label, dimensions), store: self)
    }
    func destroyCounter(_ handler: CounterHandler) {}
    func destroyRecorder(_ handler: RecorderHandler) {}
    func destroyTimer(_ handler: TimerHandler) {}
}
