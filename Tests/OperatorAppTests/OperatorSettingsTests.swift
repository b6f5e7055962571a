import Testing
import OperatorApp

@Suite("Operator settings: flags, then environment, then defaults", .timeLimit(.minutes(1)))
struct OperatorSettingsTests {
    @Test("defaults are the ones docs/operations.md states")
    func defaults() throws {
        let s = try OperatorSettings(flags: .init(), environment: [:])
        #expect(s.namespaces.isEmpty)
        #expect(!s.leaderElect)
        #expect(s.leaseName == "semroute-operator")
        #expect(s.healthAddr.port == 8081 && s.metricsAddr.port == 8080)
        #expect(s.concurrency == 4)
        #expect(s.resyncSeconds == 600 && s.shutdownTimeoutSeconds == 30)
        #expect(s.prometheusURL == nil)
    }

    @Test("a flag wins over its environment variable; the variable wins over the default")
    func precedence() throws {
        var flags = OperatorSettings.Flags()
        flags.concurrency = 8
        let env = ["SEMROUTE_CONCURRENCY": "2", "SEMROUTE_NAMESPACES": "a, b", "SEMROUTE_LEADER_ELECT": "true"]
        let s = try OperatorSettings(flags: flags, environment: env)
        #expect(s.concurrency == 8)
        #expect(s.namespaces == ["a", "b"])
        #expect(s.leaderElect)
        let p = try OperatorSettings(flags: .init(), environment: ["SEMROUTE_PROMETHEUS_URL": "http://prometheus.monitoring:9090"])
        #expect(p.prometheusURL == "http://prometheus.monitoring:9090")
    }

    @Test("a bad value names the flag or variable and the reason", arguments: [
        (["SEMROUTE_CONCURRENCY": "many"], "SEMROUTE_CONCURRENCY \"many\": must be a number"),
        (["SEMROUTE_LEADER_ELECT": "maybe"], "SEMROUTE_LEADER_ELECT \"maybe\": must be true or false"),
        (["SEMROUTE_HEALTH_ADDR": "8081"], "--health-addr \"8081\": must be [host]:port"),
        (["SEMROUTE_CLASSIFIER_IMAGE": "ghcr.io/x/y:latest"], "--classifier-image \"ghcr.io/x/y:latest\""),
        (["SEMROUTE_NAMESPACES": "Not_A_Namespace"], "--namespace \"Not_A_Namespace\": not a valid namespace name"),
        (["SEMROUTE_CLASSIFIER_RESOURCES": "{\"requests\":{\"cpu\":\"lots\"}}"], "--classifier-resources"),
        (["SEMROUTE_PROMETHEUS_URL": "prometheus:9090"], "--prometheus-url \"prometheus:9090\": must be an http:// or https:// URL"),
    ])
    func invalid(env: [String: String], message: String) {
        #expect { try OperatorSettings(flags: .init(), environment: env) } throws: { error in
            "\(error)".contains(message)
        }
    }
}
