import Metrics
import SemanticRouteAPI
import Synchronization

/// `semroute_backend_price_per_million_tokens{route_namespace, route, backend, model, token_type, currency}`
/// (`route_namespace`, not `namespace`, which a scrape sets to the operator's own): every
/// priced backend's `pricing`, so Prometheus recording rules can turn AI Gateway's token counters (whose
/// `gen_ai_request_model` is the backend's model) into cost per decision and backend. Updated when a route is
/// reconciled; a backend or route that goes away takes its series with it.
final class PriceGauges: Sendable {
    static let name = SemanticRouteOperator.metricsPrefix + "backend_price_per_million_tokens"

    struct Series: Hashable, Sendable {
        var backend, model, tokenType, currency: String
    }

    private let factory: any MetricsFactory
    private let published = Mutex<[String: [Series: Gauge]]>([:])

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Publishes the route's prices and drops the series of backends (or prices) it no longer has.
    func update(_ route: SemanticRoute) {
        let key = "\(route.namespace)/\(route.name)"
        var wanted: [Series: Double] = [:]
        for backend in route.spec.backends {
            guard let pricing = backend.pricing else { continue }
            for (type, price) in [("input", pricing.input), ("output", pricing.output)] {
                guard let value = Double(price) else { continue }
                wanted[Series(backend: backend.name, model: backend.model, tokenType: type, currency: pricing.effectiveCurrency)] = value
            }
        }
        published.withLock { published in
            var current = published[key] ?? [:]
            for (series, gauge) in current where wanted[series] == nil {
                gauge.destroy()
                current[series] = nil
            }
            for (series, value) in wanted {
                let gauge = current[series] ?? Gauge(label: Self.name, dimensions: [
                    ("route_namespace", route.namespace), ("route", route.name), ("backend", series.backend), ("model", series.model),
                    ("token_type", series.tokenType), ("currency", series.currency),
                ], factory: factory)
                gauge.record(value)
                current[series] = gauge
            }
            published[key] = current.isEmpty ? nil : current
        }
    }

    /// Drops every series of a route that is gone or being deleted.
    func remove(namespace: String, name: String) {
        published.withLock { published in
            for gauge in (published.removeValue(forKey: "\(namespace)/\(name)") ?? [:]).values { gauge.destroy() }
        }
    }
}
