import Foundation
import KubeClient
import KubeCore
import Logging
import ServiceLifecycle
import Synchronization

/// Leader election on a `coordination.k8s.io/v1` Lease (client-go `leaderelection`):
///
/// - a candidate tries to acquire the lease every `retryPeriod`; it takes it when it is free (no holder, or
///   released) or when the holder has not renewed it for `leaseDuration` — measured on *our* clock from when we
///   last saw the lease record change, never by comparing clocks across machines;
/// - the leader renews every `retryPeriod`; if it cannot renew for `renewDeadline` it stops leading;
/// - on graceful shutdown the leader releases the lease (clears the holder), so a standby takes over at once.
/// Writes use the lease's resourceVersion, so two candidates can never both win a round.
public final class LeaderElector: Service, Sendable {
    public struct Configuration: Sendable {
        public var namespace: String
        public var name: String
        /// Unique per process (pod name + random suffix is usual).
        public var identity: String
        public var leaseDuration: Duration
        public var renewDeadline: Duration
        public var retryPeriod: Duration
        public var releaseOnShutdown: Bool

        public init(namespace: String, name: String, identity: String, leaseDuration: Duration = .seconds(15),
                    renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2),
                    releaseOnShutdown: Bool = true) {
            precondition(leaseDuration > renewDeadline && renewDeadline > retryPeriod && retryPeriod > .zero,
                         "leader election needs leaseDuration > renewDeadline > retryPeriod > 0")
            self.namespace = namespace
            self.name = name
            self.identity = identity
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
            self.releaseOnShutdown = releaseOnShutdown
        }
    }

    struct Record: Hashable {
        var holder: String?
        var leaseDurationSeconds: Int64?
        var acquireTime: String?
        var renewTime: String?
        var transitions: Int64?

        init(spec: JSONValue?) {
            holder = spec?["holderIdentity"]?.stringValue
            leaseDurationSeconds = spec?["leaseDurationSeconds"]?.intValue
            acquireTime = spec?["acquireTime"]?.stringValue
            renewTime = spec?["renewTime"]?.stringValue
            transitions = spec?["leaseTransitions"]?.intValue
        }
    }

    private struct State {
        var isLeader = false
        var observed: Record?
        var observedAt: Duration = .zero
        var subscribers: [AsyncStream<Bool>.Continuation] = []
        var waiters: [Int: (leader: Bool, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter = 0
    }

    public let configuration: Configuration
    private let client: KubeClient
    private let clock: RuntimeClock
    private let logger: Logger
    private let state = Mutex(State())

    public init(client: KubeClient, configuration: Configuration, clock: RuntimeClock = .continuous, logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.clock = clock
        var logger = logger
        logger[metadataKey: "lease"] = "\(configuration.namespace)/\(configuration.name)"
        logger[metadataKey: "lease.identity"] = "\(configuration.identity)"
        self.logger = logger
    }

    public var isLeader: Bool { state.withLock { $0.isLeader } }

    /// Every change of leadership from now on: `true` when this process starts leading, `false` when it stops.
    public func leadershipChanges() -> AsyncStream<Bool> {
        let (stream, continuation) = AsyncStream<Bool>.makeStream(bufferingPolicy: .unbounded)
        state.withLock { $0.subscribers.append(continuation) }
        return stream
    }

    /// Returns once this process leads (or on cancellation).
    public func waitForLeadership() async { await waitFor(leader: true) }

    /// Returns once this process does not lead (or on cancellation).
    public func waitUntilNotLeader() async { await waitFor(leader: false) }

    private func waitFor(leader: Bool) async {
        let id = state.withLock { s -> Int in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.isLeader == leader || Task.isCancelled { return true }
                    s.waiters[id] = (leader, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    private func setLeader(_ leader: Bool) {
        let (changed, subscribers, waiters) = state.withLock { s in
            guard s.isLeader != leader else {
                return (false, [AsyncStream<Bool>.Continuation](), [CheckedContinuation<Void, Never>]())
            }
            s.isLeader = leader
            let ready = s.waiters.filter { $0.value.leader == leader }
            for id in ready.keys { s.waiters[id] = nil }
            return (true, s.subscribers, ready.values.map(\.continuation))
        }
        guard changed else { return }
        logger.info(leader ? "started leading" : "stopped leading")
        for subscriber in subscribers { subscriber.yield(leader) }
        for waiter in waiters { waiter.resume() }
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.electionLoop() }
        } catch is CancellationError {
            // shutdown
        }
        if isLeader {
            if configuration.releaseOnShutdown {
                // Release even when run() itself was cancelled: a short request outside the cancelled task.
                await Task { await self.release() }.value
            }
            setLeader(false)
        }
        state.withLock { s in for sub in s.subscribers { sub.finish() } }
    }

    private func electionLoop() async throws {
        while true {
            // Standby: try every retryPeriod until we hold the lease.
            while await !tryAcquireOrRenew() {
                try await clock.sleep(for: configuration.retryPeriod * (1 + Double.random(in: 0..<0.2)))
            }
            setLeader(true)
            var lastRenew = clock.now
            // Leader: renew every retryPeriod; give up after renewDeadline without success.
            while true {
                try await clock.sleep(for: configuration.retryPeriod)
                if await renew(before: lastRenew + configuration.renewDeadline) {
                    lastRenew = clock.now
                } else if clock.now - lastRenew >= configuration.renewDeadline {
                    logger.warning("could not renew the lease within the renew deadline")
                    setLeader(false)
                    break
                }
            }
        }
    }

    /// One renewal attempt that gives up at `deadline` (a hung request must not keep us leading).
    private func renew(before deadline: Duration) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await self.tryAcquireOrRenew() }
            group.addTask {
                try? await self.clock.sleep(until: deadline)
                return nil
            }
            let first = await group.next()
            group.cancelAll()
            return (first ?? nil) ?? false
        }
    }

    private var leaseSeconds: Int64 { Int64(configuration.leaseDuration.seconds.rounded(.up)) }

    /// One round: create, take over, or renew the lease. True when we hold it afterwards.
    func tryAcquireOrRenew() async -> Bool {
        let now = clock.now
        let wallNow = MicroTime.string(Date())
        let lease: JSONValue
        do {
            lease = try await client.get(.leases, namespace: configuration.namespace, name: configuration.name)
        } catch KubeError.notFound {
            let spec: JSONValue = [
                "holderIdentity": .string(configuration.identity), "leaseDurationSeconds": .int(leaseSeconds),
                "acquireTime": .string(wallNow), "renewTime": .string(wallNow), "leaseTransitions": 0,
            ]
            let object: JSONValue = [
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": ["name": .string(configuration.name), "namespace": .string(configuration.namespace)],
                "spec": spec,
            ]
            do {
                _ = try await client.create(.leases, namespace: configuration.namespace, object)
                observe(Record(spec: spec), at: now)
                return true
            } catch {
                logger.debug("creating the lease failed", metadata: ["error": "\(error)"])
                return false
            }
        } catch {
            logger.debug("reading the lease failed", metadata: ["error": "\(error)"])
            return false
        }

        let record = Record(spec: lease["spec"])
        let observedAt = state.withLock { s -> Duration in
            if s.observed != record {
                s.observed = record
                s.observedAt = now
            }
            return s.observedAt
        }
        let holder = record.holder ?? ""
        let duration = record.leaseDurationSeconds.map { Duration.seconds($0) } ?? configuration.leaseDuration
        if !holder.isEmpty, holder != configuration.identity, now - observedAt < duration {
            return false
        }
        var spec = lease["spec"]?.objectValue ?? JSONObject()
        if holder != configuration.identity {
            spec["holderIdentity"] = .string(configuration.identity)
            spec["acquireTime"] = .string(wallNow)
            spec["leaseTransitions"] = .int((record.transitions ?? 0) + 1)
        }
        spec["leaseDurationSeconds"] = .int(leaseSeconds)
        spec["renewTime"] = .string(wallNow)
        var updated = lease
        updated["spec"] = .object(spec)
        do {
            let written = try await client.replace(.leases, namespace: configuration.namespace,
                                                   name: configuration.name, updated)
            observe(Record(spec: written["spec"]), at: now)
            return true
        } catch {
            logger.debug("updating the lease failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    private func observe(_ record: Record, at now: Duration) {
        state.withLock { s in
            s.observed = record
            s.observedAt = now
        }
    }

    /// Clears the holder so a standby can take over without waiting for the lease to expire.
    private func release() async {
        do {
            var lease = try await client.get(.leases, namespace: configuration.namespace, name: configuration.name)
            guard lease[path: "spec", "holderIdentity"]?.stringValue == configuration.identity else { return }
            var spec = lease["spec"]?.objectValue ?? JSONObject()
            spec["holderIdentity"] = nil
            spec["leaseDurationSeconds"] = 1
            spec["renewTime"] = .string(MicroTime.string(Date()))
            lease["spec"] = .object(spec)
            _ = try await client.replace(.leases, namespace: configuration.namespace, name: configuration.name, lease)
            logger.info("released the lease")
        } catch {
            logger.warning("releasing the lease failed; a standby takes over when it expires",
                           metadata: ["error": "\(error)"])
        }
    }
}
