import Foundation
import KubeClient
import KubeCore
import KubeEnvtest
import Logging
import Testing

/// The control plane of the running suite, started by the ``RealServerTrait`` around it: one per suite, never one
/// per test.
enum RealServer {
    @TaskLocal static var current: ControlPlane?

    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let ourCRD = repoRoot.appendingPathComponent("crds/semroute.io_semanticroutes.yaml").path

    /// The upstream CRDs (AI Gateway, Envoy Gateway, Gateway API) v1.1, nil when missing.
    static var upstreamCRDs: String? { UpstreamCRDs.directory(.v1_1) }

    /// Whether the tier runs: the binaries from KUBEBUILDER_ASSETS and (for suites that need them) the upstream CRDs.
    static func available(needsUpstreamCRDs: Bool) -> Bool {
        EnvtestAssets.available && (!needsUpstreamCRDs || upstreamCRDs != nil)
    }

    /// The one line a skipped suite prints.
    static func skipReason(needsUpstreamCRDs: Bool) -> Comment {
        if !EnvtestAssets.available { return Comment(rawValue: EnvtestAssets.skipReason) }
        return Comment(rawValue: UpstreamCRDs.missingReason(.v1_1))
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
/// fails); the tests reach it through ``RealServer/current``.
struct RealServerTrait: SuiteTrait, TestScoping {
    var controllerManager = false
    var upstreamCRDs = false
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        guard case .success(let assets) = EnvtestAssets.fromEnvironment() else { return try await function() }
        var crds = [RealServer.ourCRD]
        if upstreamCRDs, let upstream = RealServer.upstreamCRDs { crds.append(upstream) }
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

extension Trait where Self == RealServerTrait {
    /// A real kube-apiserver (and etcd; kube-controller-manager when asked) for this suite, with our CRD and,
    /// when asked, the upstream ones installed.
    static func realAPIServer(controllerManager: Bool = false, upstreamCRDs: Bool = false) -> RealServerTrait {
        RealServerTrait(controllerManager: controllerManager, upstreamCRDs: upstreamCRDs)
    }
}
