import KubeClient
import KubeCore
import Synchronization
import Testing
@testable import KubeRuntime
import SemrouteTestSupport

@Suite("controller", .timeLimit(.minutes(2)))
struct ControllerTests {
    static let routes = APIResource(group: "semroute.io", version: "v1alpha1", plural: "semanticroutes",
                                    kind: "SemanticRoute", namespaced: true)

    /// Runs informers and the controller until `body` returns.
    func run(_ services: [any Sendable & AnyObject], controller: Controller, informers: [Informer],
             _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for informer in informers { group.addTask { try await informer.run() } }
            group.addTask { try await controller.run() }
            try await body()
            group.cancelAll()
        }
    }

    @Test("waits for every store; owned objects trigger their owner; status-only updates are ignored; resync reconciles all and runs housekeeping")
    func triggers() async throws {
        let clock = ManualClock()
        let primarySource = ScriptedSource()
        primarySource.enqueueList([object("p1", rv: 1, generation: 1)], resourceVersion: "1")
        let primaryWatch = primarySource.enqueueOpenWatch()
        let ownedSource = ScriptedSource()
        ownedSource.enqueueListFailure(.transport("not yet"))
        ownedSource.enqueueList([], resourceVersion: "5")
        let ownedWatch = ownedSource.enqueueOpenWatch()
        let primary = Informer(resource: Self.routes, source: primarySource, clock: RuntimeClock(clock), logger: testLogger)
        let owned = Informer(resource: .configMaps, source: ownedSource,
                             backoff: Backoff(initial: .seconds(1), maximum: .seconds(1), jitter: 0),
                             clock: RuntimeClock(clock), logger: testLogger)
        let seen = Recorder<String>()
        let sweeps = Recorder<String>()
        let controller = Controller(primary: primary, owns: [owned],
                                    configuration: .init(name: "t", concurrency: 1, resyncPeriod: .seconds(60)),
                                    predicate: .generationChanged, clock: RuntimeClock(clock), logger: testLogger,
                                    housekeeping: { sweeps.append("sweep") }) { request in
            seen.append(request.key.name)
            return .awaitChange
        }
        try await run([], controller: controller, informers: [primary, owned]) {
            await clock.waitForSleeper(until: .init(offset: .seconds(1)))  // the owned informer backs off
            await primary.store.waitUntilReady()
            #expect(!controller.isReady)
            #expect(seen.values.isEmpty)
            #expect(sweeps.values.isEmpty)  // housekeeping, too, waits for every store
            clock.advance(by: .seconds(1))
            try await seen.waitFor(1)
            // p1 is reconciled once the stores are ready. (Its list event may add one more p1 reconcile when
            // the event consumer runs late: harmless, and why the checks below count from markers.)
            #expect(seen.values.allSatisfy { $0 == "p1" })
            try await sweeps.waitFor(1)

            ownedWatch.yield(event(.added, object("child", rv: 6, owners: [("SemanticRoute", "p1", "uid-p1")])))
            try await seen.waitFor(2)
            #expect(seen.values.last == "p1")

            // p2 marks the point by which every earlier primary event has been consumed (one FIFO consumer,
            // one worker). Then a status-only write of p1 (same generation) must be filtered out, so the
            // next reconcile after p2 is the new object p3, not p1.
            primaryWatch.yield(event(.added, object("p2", rv: 7, generation: 1)))
            try await seen.waitUntil { $0.contains("p2") }
            primaryWatch.yield(event(.modified, object("p1", rv: 8, generation: 1)))
            primaryWatch.yield(event(.added, object("p3", rv: 9, generation: 1)))
            try await seen.waitUntil { $0.contains("p3") }
            let afterP2 = seen.values.drop { $0 != "p2" }.dropFirst()
            #expect(Array(afterP2) == ["p3"], "the status-only update of p1 caused no reconcile")

            let before = seen.values.count
            await clock.waitForSleeper(until: .init(offset: .seconds(61)))
            clock.advance(by: .seconds(60))
            try await seen.waitFor(before + 3)
            #expect(Set(seen.values.suffix(3)) == ["p1", "p2", "p3"], "the resync reconciles every object")
            try await sweeps.waitFor(2)
            #expect(sweeps.values.count == 2)
        }
    }

    @Test("transient errors back off per key; requeue(after:) waits; terminal errors are not retried")
    func errorPolicy() async throws {
        let clock = ManualClock()
        let source = ScriptedSource()
        // p1 arrives by the watch, not the list: a listed object is enqueued both by the startup pass over
        // the store and by its list event, and when that event is consumed late the second enqueue cuts p1's
        // backoff short, so the test's wait for the 5 s backoff timer never returned (seen once in CI).
        source.enqueueList([], resourceVersion: "1")
        let watch = source.enqueueOpenWatch()
        let primary = Informer(resource: Self.routes, source: source, clock: RuntimeClock(clock), logger: testLogger)
        let calls = Recorder<(name: String, failures: Int)>()
        let afterTerminal = Recorder<(delayed: Int, failures: Int)>()
        let gate = Gate()
        let queueRef = Mutex<WorkQueue<ObjectKey>?>(nil)
        let controller = Controller(primary: primary,
                                    configuration: .init(name: "t", concurrency: 1, resyncPeriod: nil,
                                                         backoff: Backoff(initial: .seconds(5), maximum: .seconds(5), jitter: 0)),
                                    clock: RuntimeClock(clock), logger: testLogger) { request in
            calls.append((request.key.name, request.failures))
            if request.key.name == "p2" {
                let queue = queueRef.withLock { $0 }!
                afterTerminal.append((queue.delayedCount, queue.failureCount(ObjectKey(namespace: "ns", name: "p1"))))
                return .awaitChange
            }
            switch calls.values.count {
            case 1: throw KubeError(code: 500, status: nil)
            case 2: return .requeue(after: .seconds(30))
            case 3:
                await gate.wait()
                throw ReconcileError.terminal(reason: "InvalidSpec", message: "spec.x: Invalid value")
            default: return .awaitChange
            }
        }
        queueRef.withLock { $0 = controller.queue }
        try await run([], controller: controller, informers: [primary]) {
            watch.yield(event(.added, object("p1", rv: 1, generation: 1)))
            try await calls.waitFor(1)
            await clock.waitForSleeper(until: .init(offset: .seconds(5)))
            clock.advance(by: .seconds(5))
            try await calls.waitFor(2)
            #expect(calls.values[1].failures == 1)
            await clock.waitForSleeper(until: .init(offset: .seconds(35)))
            clock.advance(by: .seconds(30))
            try await calls.waitFor(3)
            #expect(calls.values[2].failures == 0)
            // p2 queues behind the terminal failure (concurrency 1) and looks at the queue once p1 is handled.
            watch.yield(event(.added, object("p2", rv: 2, generation: 1)))
            gate.open()
            try await afterTerminal.waitFor(1)
            #expect(afterTerminal.values[0].delayed == 0)
            #expect(afterTerminal.values[0].failures == 0)
        }
        #expect(calls.values.map(\.name) == ["p1", "p1", "p1", "p2"])
    }

    @Test("a server's Retry-After longer than the key's backoff delays the retry to it")
    func retryAfter() async throws {
        let clock = ManualClock()
        let source = ScriptedSource()
        source.enqueueList([], resourceVersion: "1")
        let watch = source.enqueueOpenWatch()
        let primary = Informer(resource: Self.routes, source: source, clock: RuntimeClock(clock), logger: testLogger)
        let calls = Recorder<Int>()
        let controller = Controller(primary: primary,
                                    configuration: .init(name: "t", concurrency: 1, resyncPeriod: nil,
                                                         backoff: Backoff(initial: .seconds(5), maximum: .seconds(5), jitter: 0)),
                                    clock: RuntimeClock(clock), logger: testLogger) { request in
            calls.append(request.failures)
            if request.failures == 0 {
                throw KubeError(code: 429, status: Status(message: "slow down", reason: "TooManyRequests", code: 429),
                                retryAfterHeader: "20")
            }
            return .awaitChange
        }
        try await run([], controller: controller, informers: [primary]) {
            watch.yield(event(.added, object("p1", rv: 1, generation: 1)))
            try await calls.waitFor(1)
            await clock.waitForSleeper(until: .init(offset: .seconds(20)))
            #expect(clock.nextDeadline == .init(offset: .seconds(20)), "not the 5 s backoff")
            clock.advance(by: .seconds(20))
            try await calls.waitFor(2)
        }
        #expect(calls.values == [0, 1])
    }

    @Test("one reconcile's failures aggregate into one error: first reason, every message, longest Retry-After")
    func aggregatedFailures() {
        let conflict = KubeError(code: 409, status: Status(message: "stale", reason: "Conflict", code: 409))
        let busy = KubeError(code: 429, status: Status(message: "busy", reason: "TooManyRequests", code: 429), retryAfterHeader: "7")
        let invalid = KubeError(code: 422, status: Status(message: "spec.x: Invalid value", reason: "Invalid", code: 422))
        let both = ReconcileError([conflict, busy])
        #expect(both.reason == "Conflict")
        #expect(both.message.contains("stale") && both.message.contains("busy"))
        #expect(both.retryAfter == .seconds(7))
        #expect(both.disposition == .transient)
        #expect(ReconcileError([invalid]).disposition == .terminal, "the server rejected the object: retrying will not help")
        #expect(ReconcileError([invalid, conflict]).disposition == .transient, "terminal only when every failure is")
        #expect(ReconcileError(from: CancellationError()).reason == "CancellationError")
    }

    @Test("generationChanged passes creations, spec changes, deletions and metadata the controller acts on")
    func predicate() {
        let p = ChangePredicate.generationChanged
        let v1 = object("a", rv: 1, generation: 1)
        #expect(p.accepts(.applied(old: nil, new: v1)))
        #expect(!p.accepts(.applied(old: v1, new: object("a", rv: 2, generation: 1))))
        #expect(p.accepts(.applied(old: v1, new: object("a", rv: 2, generation: 2))))
        var deleting = object("a", rv: 3, generation: 1)
        deleting["metadata"]?["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        #expect(p.accepts(.applied(old: v1, new: deleting)))
        #expect(p.accepts(.applied(old: v1, new: object("a", rv: 4, generation: 1, labels: ["x": "y"]))))
        #expect(p.accepts(.deleted(v1)))
        #expect(p.accepts(.applied(old: object("cm", rv: 1), new: object("cm", rv: 2))))
    }

    @Test("owner references map to the primary key only for the primary's kind and group")
    func ownerMapping() {
        let primary = Informer(resource: Self.routes, source: ScriptedSource(), logger: testLogger)
        let controller = Controller(primary: primary, configuration: .init(name: "t"), logger: testLogger) { _ in .awaitChange }
        let child = object("c", rv: 1, owners: [("SemanticRoute", "r1", "u1"), ("Deployment", "d", "u2")])
        #expect(controller.owners(of: child) == [ObjectKey(namespace: "ns", name: "r1")])
        var otherGroup = child
        otherGroup["metadata"]?["ownerReferences"] = [["apiVersion": "other.io/v1", "kind": "SemanticRoute",
                                                              "name": "x", "uid": "u"]]
        #expect(controller.owners(of: otherGroup).isEmpty)
    }

    @Test("metrics: reconcile results, errors by reason, durations, queue depth and watch restarts, with a prefix")
    func metrics() async throws {
        let metrics = RecordingMetrics.shared
        let clock = ManualClock()
        let source = ScriptedSource()
        source.enqueueList([object("p1", rv: 1, generation: 1)], resourceVersion: "1")
        source.enqueueWatch([], end: KubeError(code: 410, status: nil))
        source.enqueueList([object("p1", rv: 1, generation: 1)], resourceVersion: "2")
        _ = source.enqueueOpenWatch()
        let primary = Informer(resource: Self.routes, source: source, clock: RuntimeClock(clock),
                               metricsPrefix: "mtest_", logger: testLogger)
        let calls = Recorder<Int>()
        let controller = Controller(primary: primary,
                                    configuration: .init(name: "m", concurrency: 1, resyncPeriod: nil, metricsPrefix: "mtest_",
                                                         backoff: Backoff(initial: .seconds(1), maximum: .seconds(1), jitter: 0)),
                                    clock: RuntimeClock(clock), logger: testLogger) { _ in
            calls.append(calls.values.count)
            if calls.values.count == 1 { throw KubeError(code: 409, status: nil) }
            return .awaitChange
        }
        try await run([], controller: controller, informers: [primary]) {
            try await calls.waitFor(1)
            await clock.waitForSleeper(until: .init(offset: .seconds(1)))
            clock.advance(by: .seconds(1))
            try await calls.waitFor(2)
            // The 410 relist runs concurrently with the reconciles: its restart is counted before the
            // watcher opens its second watch, so wait for that watch (bounded; yields, never sleeps).
            for _ in 0..<1_000_000 where source.watchResourceVersions.count < 2 { await Task.yield() }
        }
        #expect(source.watchResourceVersions.count == 2)
        #expect(metrics.value("mtest_reconcile_total", [("controller", "m"), ("result", "error")]) == 1)
        #expect(metrics.value("mtest_reconcile_total", [("controller", "m"), ("result", "success")]) == 1)
        #expect(metrics.value("mtest_reconcile_errors_total", [("controller", "m"), ("reason", "Conflict")]) == 1)
        #expect(metrics.values.withLock { $0["mtest_reconcile_duration_seconds{controller=m}#count"] } == 2)
        #expect(metrics.value("mtest_workqueue_depth", [("name", "m")]) == 0)
        #expect(metrics.value("mtest_watch_restarts_total", [("resource", "semanticroutes.semroute.io")]) == 1)
    }

    @Test("watched objects map to primaries through an index of the primary store")
    func watchedByIndex() async throws {
        let clock = ManualClock()
        let routeSource = ScriptedSource()
        var r1 = object("r1", rv: 1, generation: 1)
        r1["spec"] = ["secretName": "key-a"]
        var r2 = object("r2", rv: 2, generation: 1)
        r2["spec"] = ["secretName": "key-b"]
        routeSource.enqueueList([r1, r2], resourceVersion: "2")
        _ = routeSource.enqueueOpenWatch()
        let secretSource = ScriptedSource()
        secretSource.enqueueList([], resourceVersion: "2")
        let secretWatch = secretSource.enqueueOpenWatch()
        let routes = Informer(resource: Self.routes, source: routeSource,
                              indexers: ["secret": { [$0[path: "spec", "secretName"]?.stringValue].compactMap { $0 } }],
                              clock: RuntimeClock(clock), logger: testLogger)
        let secrets = Informer(resource: .secrets, source: secretSource, clock: RuntimeClock(clock), logger: testLogger)
        let seen = Recorder<String>()
        let controller = Controller(
            primary: routes,
            watches: [.watches(secrets) { secret in
                routes.store.keys(index: "secret", value: secret[path: "metadata", "name"]?.stringValue ?? "")
            }],
            configuration: .init(name: "t", concurrency: 1, resyncPeriod: nil), clock: RuntimeClock(clock),
            logger: testLogger) { request in
            seen.append(request.key.name)
            return .awaitChange
        }
        try await run([], controller: controller, informers: [routes, secrets]) {
            try await seen.waitFor(2)
            secretWatch.yield(event(.added, object("key-b", rv: 3)))
            try await seen.waitFor(3)
            #expect(seen.values.last == "r2")
            secretWatch.yield(event(.added, object("unrelated", rv: 4)))
            secretWatch.yield(event(.deleted, object("key-a", rv: 5)))
            try await seen.waitFor(4)
            #expect(seen.values.last == "r1")
        }
    }
}
