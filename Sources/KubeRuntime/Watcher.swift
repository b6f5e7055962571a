import KubeClient
import KubeCore
import Logging
import Metrics

/// What a watcher reports (kube-runtime's `watcher::Event`): one object changed or went away, or a fresh
/// complete list replaces everything known so far (after the first list and after every relist).
public enum WatcherEvent: Sendable, Hashable {
    case applied(JSONValue)
    case deleted(JSONValue)
    case restarted([JSONValue])
}

/// The list-then-watch state machine as an endless `AsyncSequence` of ``WatcherEvent``s:
///
/// - list (all pages) → `.restarted(items)`, then watch from the list's resourceVersion with bookmarks;
/// - every event and bookmark advances the resourceVersion the next watch starts from;
/// - a clean end of the stream (server timeout) re-watches from the last resourceVersion, without backoff;
/// - 410 Gone (expired resourceVersion) relists, and the relist replaces the store;
/// - any other failure (transport, 429, 5xx, ...) backs off with jitter, then resumes from the last
///   resourceVersion (or relists if the list itself failed); the backoff resets after a healthy period.
///
/// Because every watch resumes exactly after the last version delivered, no event is lost or repeated.
/// The sequence ends only when the task is cancelled.
public struct Watcher<Source: ListWatchSource>: AsyncSequence, Sendable {
    public typealias Element = WatcherEvent

    public let source: Source
    public let backoff: Backoff
    /// After this long without a failure, the next failure starts again from the first backoff step.
    public let resetBackoffAfter: Duration
    public let clock: RuntimeClock
    public let logger: Logger
    /// Counts restarts: relists after the first list and re-established watches (label `resource`).
    let restarts: Counter?

    public init(source: Source, backoff: Backoff = .watch, resetBackoffAfter: Duration = .seconds(120),
                clock: RuntimeClock = .continuous, logger: Logger, restartsCounter: Counter? = nil) {
        self.source = source
        self.backoff = backoff
        self.resetBackoffAfter = resetBackoffAfter
        self.clock = clock
        self.logger = logger
        self.restarts = restartsCounter
    }

    public func makeAsyncIterator() -> Iterator { Iterator(watcher: self) }

    public struct Iterator: AsyncIteratorProtocol {
        enum State {
            case needsList(initial: Bool)
            case needsWatch(resourceVersion: String)
            case watching(resourceVersion: String, events: Source.Events.AsyncIterator)
        }

        let watcher: Watcher
        var state: State = .needsList(initial: true)
        var failures = 0
        var lastFailure: Duration?

        init(watcher: Watcher) { self.watcher = watcher }

        /// The resourceVersion the next watch would start from, if a list has completed.
        public var resourceVersion: String? {
            switch state {
            case .needsList: nil
            case .needsWatch(let rv), .watching(let rv, _): rv
            }
        }

        public mutating func next() async throws -> WatcherEvent? {
            while true {
                try Task.checkCancellation()
                switch state {
                case .needsList(let initial):
                    do {
                        let list = try await watcher.source.list()
                        if !initial { watcher.restarts?.increment() }
                        state = .needsWatch(resourceVersion: list.resourceVersion)
                        watcher.logger.debug("listed", metadata: [
                            "watch.resource_version": "\(list.resourceVersion)", "watch.items": "\(list.items.count)"])
                        return .restarted(list.items)
                    } catch {
                        try await fail(error, stage: "list")
                        state = .needsList(initial: initial)
                    }
                case .needsWatch(let rv):
                    do {
                        let events = try await watcher.source.watch(resourceVersion: rv)
                        state = .watching(resourceVersion: rv, events: events.makeAsyncIterator())
                    } catch let error as KubeError {
                        if case .gone = error { relist(rv); continue }
                        try await fail(error, stage: "watch")
                    } catch {
                        try await fail(error, stage: "watch")
                    }
                case .watching(let rv, var events):
                    let event: WatchEvent?
                    do {
                        event = try await events.next()
                    } catch let error as KubeError {
                        try Task.checkCancellation()
                        if case .gone = error { relist(rv); continue }
                        state = .needsWatch(resourceVersion: rv)
                        watcher.restarts?.increment()
                        try await fail(error, stage: "watch stream")
                        continue
                    } catch {
                        try Task.checkCancellation()
                        state = .needsWatch(resourceVersion: rv)
                        watcher.restarts?.increment()
                        try await fail(error, stage: "watch stream")
                        continue
                    }
                    guard let event else {
                        // A clean end (timeoutSeconds): resume from where we are, at once. (A stream cut short by
                        // our own cancellation is not a restart.)
                        try Task.checkCancellation()
                        watcher.restarts?.increment()
                        state = .needsWatch(resourceVersion: rv)
                        continue
                    }
                    let next = event.resourceVersion.flatMap { $0.isEmpty ? nil : $0 } ?? rv
                    state = .watching(resourceVersion: next, events: events)
                    switch event.type {
                    case .added, .modified: return .applied(event.object)
                    case .deleted: return .deleted(event.object)
                    case .bookmark: continue
                    case .error:
                        // The client throws ERROR events; a source that yields one is treated like a failure.
                        let status = Status(json: event.object)
                        let error = KubeError(code: status?.code ?? 500, status: status)
                        if case .gone = error { relist(rv); continue }
                        state = .needsWatch(resourceVersion: rv)
                        try await fail(error, stage: "watch stream")
                    }
                }
            }
        }

        private mutating func relist(_ rv: String) {
            watcher.logger.info("watch resourceVersion expired; relisting",
                                metadata: ["watch.resource_version": "\(rv)"])
            state = .needsList(initial: false)
        }

        /// Waits out the backoff for this failure. Cancellation propagates.
        private mutating func fail(_ error: any Error, stage: String) async throws {
            if error is CancellationError { throw error }
            try Task.checkCancellation()
            let now = watcher.clock.now
            if let last = lastFailure, now - last >= watcher.resetBackoffAfter { failures = 0 }
            var delay = watcher.backoff.delay(attempt: failures)
            if let requested = (error as? KubeError)?.retryAfter, requested > delay { delay = requested }
            failures += 1
            lastFailure = now
            watcher.logger.warning("\(stage) failed; backing off", metadata: [
                "error": "\(error)", "backoff.attempt": "\(failures)",
                "backoff.delay_ms": "\(Int(delay.seconds * 1000))"])
            try await watcher.clock.sleep(for: delay)
            lastFailure = watcher.clock.now
        }
    }
}
