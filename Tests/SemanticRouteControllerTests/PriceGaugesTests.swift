import Metrics
import SemanticRouteAPI
import Synchronization
import Testing
@testable import SemanticRouteController

@Suite("Backend price gauges for the cost recording rules", .timeLimit(.minutes(1)))
struct PriceGaugesTests {
    /// Keeps live gauges by `label{dims}`; a destroyed gauge disappears, as from a Prometheus registry.
    final class LiveGauges: MetricsFactory, Sendable {
        final class Handler: RecorderHandler, CounterHandler, TimerHandler, Sendable {
            let key: String
            let store: LiveGauges
            init(key: String, store: LiveGauges) { self.key = key; self.store = store }
            func record(_ value: Int64) { store.values.withLock { $0[key] = Double(value) } }
            func record(_ value: Double) { store.values.withLock { $0[key] = value } }
            func increment(by: Int64) {}
            func reset() {}
            func recordNanoseconds(_ duration: Int64) {}
        }
        let values = Mutex<[String: Double]>([:])
        func handler(_ label: String, _ dimensions: [(String, String)]) -> Handler {
            Handler(key: label + "{" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}", store: self)
        }
        func makeCounter(label: String, dimensions: [(String, String)]) -> CounterHandler { handler(label, dimensions) }
        func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> RecorderHandler { handler(label, dimensions) }
        func makeTimer(label: String, dimensions: [(String, String)]) -> TimerHandler { handler(label, dimensions) }
        func destroyRecorder(_ handler: RecorderHandler) {
            let key = (handler as! Handler).key
            values.withLock { $0[key] = nil }
        }
        func destroyCounter(_ handler: CounterHandler) {}
        func destroyTimer(_ handler: TimerHandler) {}
    }

    @Test("every priced backend's input and output price is published; a price or backend removed, or the route gone, takes its series")
    func publishAndRemove() throws {
        let factory = LiveGauges()
        let gauges = PriceGauges(factory: factory)
        var route = try ControllerFixtures.decoded(ControllerFixtures.storedRoute("budgets.yaml"))
        gauges.update(route)
        let priced = route.spec.backends.filter { $0.pricing != nil }
        #expect(!priced.isEmpty)
        let published = factory.values.withLock { $0 }
        #expect(published.count == 2 * priced.count, "\(published)")
        let first = try #require(priced.first?.pricing)
        let key = "\(PriceGauges.name){route_namespace=\(route.namespace),route=\(route.name),backend=\(priced[0].name),model=\(priced[0].model),token_type=input,currency=\(first.effectiveCurrency)}"
        #expect(published[key] == Double(first.input), "\(published.keys.sorted())")

        // The first backend loses its price: its two series go, the others stay.
        let index = try #require(route.spec.backends.firstIndex { $0.name == priced[0].name })
        route.spec.backends[index].pricing = nil
        gauges.update(route)
        #expect(factory.values.withLock { $0.count } == 2 * (priced.count - 1))
        #expect(factory.values.withLock { $0[key] } == nil)

        gauges.remove(namespace: route.namespace, name: route.name)
        #expect(factory.values.withLock { $0.isEmpty })
    }
}
