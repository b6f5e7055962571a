import Testing

/// Makes each test case of a test or suite hold a permit of a ``SharedResource`` while it runs, so tests that
/// would starve each other take turns while everything else still runs in parallel. Waiting for the permit
/// suspends the test's task; it does not block a thread. The wait counts against the test's `.timeLimit`, so
/// suites that take turns get a limit that covers the queue (10 minutes here), not just their own run.
public struct SharedResourceTrait: SuiteTrait, TestTrait, TestScoping {
    public let resource: SharedResource

    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        // Suites pass through: the permit is taken per test case, not for a whole suite.
        guard testCase != nil else { return try await function() }
        try await resource.withPermit { try await function() }
    }
}

extension Trait where Self == SharedResourceTrait {
    /// Each test case holds a permit of `resource` while it runs (see ``SharedResource/cpu``).
    public static func uses(_ resource: SharedResource) -> Self { SharedResourceTrait(resource: resource) }
}
