import ArgumentParser
import Foundation
import KubeCore
import SemanticRouteAPI
import SemanticRouteRender

/// `semroute-bench render`: render + YAML throughput and strict decode + validate throughput over varied routes.
struct RenderBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render", abstract: "Render and validation throughput.")

    @Option(help: "Number of varied routes.") var routes = 1000
    @Option(help: "Rounds; the median is reported.") var rounds = 5

    func run() throws {
        let count = routes
        let routes = (0..<count).map(variedRoute)
        for route in routes where !SemanticRouteValidator.validate(route).isEmpty {
            fatalError("bench route \(route.name) is invalid: \(SemanticRouteValidator.validate(route).lines)")
        }
        let renderer = Renderer()
        var objects = 0, bytes = 0
        var times: [Double] = []
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            objects = 0
            bytes = 0
            for route in routes {
                let rendered = renderer.render(route)
                objects += rendered.count
                bytes += YAMLWriter.documents(rendered.map(\.body)).utf8.count
            }
            let elapsed = ContinuousClock.now - start
            times.append(Measure.seconds(elapsed))
        }
        times.sort()
        let median = times[times.count / 2]
        print("render+yaml: \(count) routes, \(objects) objects, \(bytes / 1024) KiB per round; \(rounds) rounds")
        print(String(format: "  median %.3f s (%.0f routes/s, %.0f objects/s), best %.3f s, worst %.3f s",
                     median, Double(count) / median, Double(objects) / median, times.first!, times.last!))

        // Strict decode + validation, as `semroute validate` and the operator do per route.
        let documents = routes.map { try! JSONValue.encode($0) }
        let start = ContinuousClock.now
        for document in documents { _ = try? SemanticRouteDecoder.decode(document).get() }
        let elapsed = ContinuousClock.now - start
        let seconds = Measure.seconds(elapsed)
        print(String(format: "decode+validate: %d routes in %.3f s (%.0f routes/s)", count, seconds, Double(count) / seconds))
        print(String(format: "peak RSS %.1f MiB", Measure.peakRSSMiB()))
    }
}
