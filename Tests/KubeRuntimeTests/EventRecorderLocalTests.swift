import KubeClient
import KubeCore
import KubeLocal
import Testing
@testable import KubeRuntime
import SemrouteTestSupport

@Suite("event recorder against KubeLocal", .timeLimit(.minutes(10)), .uses(.localServer))
struct EventRecorderLocalTests {
    @Test("a repeated event updates the series count instead of creating another Event; a new note creates one")
    func dedupes() async throws {
        try await withLocalServer { client, server in
            let clock = ManualClock()
            let recorder = EventRecorder(client: client, reportingController: "semroute.io/operator",
                                         reportingInstance: "op-0", window: .seconds(600), clock: RuntimeClock(clock),
                                         logger: testLogger)
            let route = EventRecorder.Regarding(apiVersion: "semroute.io/v1alpha1", kind: "SemanticRoute",
                                                namespace: "default", name: "r", uid: "u1")
            for _ in 0..<3 {
                await recorder.record(.warning, regarding: route, reason: "ReconcileError", action: "Reconcile",
                                      note: "Secret default/key not found")
            }
            await recorder.record(.normal, regarding: route, reason: "Programmed", action: "Reconcile", note: "all applied")
            let events = try await client.listAll(.events, namespace: "default").items
            #expect(events.count == 2)
            let warning = try #require(events.first { $0["reason"] == "ReconcileError" })
            #expect(warning[path: "series", "count"] == 3)
            #expect(warning["type"] == "Warning")
            #expect(warning[path: "regarding", "name"] == "r")
            #expect(warning["reportingController"] == "semroute.io/operator")
            #expect(server.requestLog.count(verb: "create", resource: "events") == 2)
            #expect(server.requestLog.count(verb: "patch", resource: "events") == 2)

            // After the window, the same event starts a new Event object.
            clock.advance(by: .seconds(601))
            await recorder.record(.warning, regarding: route, reason: "ReconcileError", action: "Reconcile",
                                  note: "Secret default/key not found")
            #expect(try await client.listAll(.events, namespace: "default").items.count == 3)
        }
    }

    @Test("a recording failure is logged, not thrown, and the next occurrence creates the Event")
    func bestEffort() async throws {
        try await withLocalServer { client, server in
            let recorder = EventRecorder(client: client, reportingController: "c", reportingInstance: "i",
                                         clock: RuntimeClock(ManualClock()), logger: testLogger)
            let cm = EventRecorder.Regarding(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "x")
            server.faults.fail(verb: "create", resource: "events", code: 500)
            await recorder.record(.normal, regarding: cm, reason: "R", action: "A", note: "n")
            await recorder.record(.normal, regarding: cm, reason: "R", action: "A", note: "n")
            let events = try await client.listAll(.events, namespace: "default").items
            #expect(events.count == 1)
            #expect(events.first?["series"] == nil)
        }
    }
}
