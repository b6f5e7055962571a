import ServiceLifecycle
import SemanticRouteController

/// Prints the "ready" line and what to try next once the operator's stores have synced and (when a route is
/// expected) the classifier listens. A Service that returns when done; the group ignores its return.
struct DevReadyReporter: Service {
    let routeOperator: SemanticRouteOperator
    let classifier: DevClassifier
    let expectRoute: Bool
    let kubeconfig: String
    let apiServer: String
    let host: String

    static let readyLine = "ready"

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for informer in routeOperator.informers { await informer.store.waitUntilReady() }
            guard !Task.isCancelled else { return }
            DevConsole.say("operator running (stores synced)")
            if !expectRoute {
                DevConsole.say("no sample applied: the classifier starts with the first SemanticRoute you apply")
                printReady(classifierHTTP: nil)
                _ = await classifier.ports.wait()
                if let route = classifier.followed.value, let ports = classifier.ports.value {
                    DevConsole.say("classifier serving route \(route): HTTP http://\(host):\(ports.http), ext_proc gRPC \(host):\(ports.grpc)")
                }
                return
            }
            guard let ports = await classifier.ports.wait() else { return }
            DevConsole.say("classifier serving route \(classifier.followed.value ?? "?"): HTTP http://\(host):\(ports.http), ext_proc gRPC \(host):\(ports.grpc)"
                + (ports.metrics.map { ", metrics http://\(host):\($0)/metrics" } ?? ""))
            printReady(classifierHTTP: "http://\(host):\(ports.http)")
        }
    }

    private func printReady(classifierHTTP: String?) {
        DevConsole.say(Self.readyLine)
        let k = "kubectl --kubeconfig \(kubeconfig)"
        var text = """

            Try next (in another terminal):
              \(k) get sroute -A
              \(k) wait --for=condition=Ready sroute/mom -n llm --timeout=60s
              \(k) get aigatewayroutes,aiservicebackends,backendsecuritypolicies -n llm

            """
        if let classifierHTTP {
            text += """
                  curl -s \(classifierHTTP)/v1/classify -H 'content-type: application/json' \\
                    -d '{"model":"MoM","messages":[{"role":"user","content":"What is the derivative of x^2 * sin(x)?"}]}'

                """
        }
        text += "\nCtrl-C stops everything; objects are kept for the next start.\n"
        DevConsole.block(text)
    }
}
