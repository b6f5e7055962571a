import Foundation
import KubeClient
import KubeCore
import KubeEnvtest
import Logging
import SemrouteTestSupport
import Testing

/// The control plane of the running suite, started by the ``RealServerTrait`` around it: one per suite, never one
/// per test.
enum RealServer {
    @TaskLocal static var current: ControlPlane?

    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let ourCRD = repoRoot.appendingPathComponent("crds/semroute.io_semanticroutes.yaml").path


    /// Whether the tier runs: the binaries from KUBEBUILDER_ASSETS and (for suites that need them) the upstream CRDs.
    static func available(needsUpstreamCRDs: Bool, set: UpstreamCRDs.Set = .v1_1) -> Bool {
        EnvtestAssets.available && (!needsUpstreamCRDs || UpstreamCRDs.available(set))
    }

    /// The one line a skipped suite prints.
    static func skipReason(needsUpstreamCRDs: Bool, set: UpstreamCRDs.Set = .v1_1) -> Comment {
        if !EnvtestAssets.available { return Comment(rawValue: EnvtestAssets.skipReason) }
        return Comment(rawValue: UpstreamCRDs.missingReason(set))
    }

    static var plane: ControlPlane {
        get throws { try #require(current, "no control plane: the suite needs the .realAPIServer trait") }
    }

    static func client(as user: ControlPlane.User = .admin, label: String = "test") throws -> KubeClient {
        try KubeClient(config: try plane.config(as: user), retryPolicy: RetryPolicy(maxAttempts: 1),
                       requestTimeout: .seconds(30), logger: Logger(label: label))
    }
}

/// Starts a real control plane before the suite's first test and stops it after the last (also when a test
/// fails); the tests reach it through ``RealServer/current``. Suites wait for ``SharedResource/controlPlane``.
struct RealServerTrait: SuiteTrait, TestScoping {
    var controllerManager = false
    var upstreamCRDs: UpstreamCRDs.Set?
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        guard case .success(let assets) = EnvtestAssets.fromEnvironment() else { return try await function() }
        var crds = [RealServer.ourCRD]
        if let set = upstreamCRDs, let upstream = UpstreamCRDs.directory(set) { crds.append(upstream) }
        // One control plane at a time in the process: the suites of this tier take turns (each runs its tests
        // serially anyway), while the rest of the run goes on in parallel.
        try await SharedResource.controlPlane.withPermit {
            let plane = try await ControlPlane.start(assets, options: .init(controllerManager: controllerManager, crdPaths: crds))
            do {
                try await RealServer.$current.withValue(plane) { try await function() }
            } catch {
                await plane.stop()
                throw error
            }
            await plane.stop()
        }
    }
}

extension Trait where Self == RealServerTrait {
    /// A real kube-apiserver (and etcd; kube-controller-manager when asked) for this suite, with our CRD and,
    /// when asked, one set of the upstream CRDs installed.
    static func realAPIServer(controllerManager: Bool = false, upstreamCRDs: UpstreamCRDs.Set? = nil) -> RealServerTrait {
        RealServerTrait(controllerManager: controllerManager, upstreamCRDs: upstreamCRDs)
    }
}
