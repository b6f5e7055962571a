import Foundation

/// The control-plane binaries a real-server test needs, found the way controller-runtime's envtest finds them:
/// the folder named by `KUBEBUILDER_ASSETS` holds `etcd`, `kube-apiserver` and `kube-controller-manager`
/// (`setup-envtest use -p path`, or `../shared/envtest/unpack.sh DIR` on this project's machines).
public struct EnvtestAssets: Sendable {
    public static let variable = "KUBEBUILDER_ASSETS"

    public var directory: String
    public var etcd: String { directory + "/etcd" }
    public var kubeAPIServer: String { directory + "/kube-apiserver" }
    public var kubeControllerManager: String { directory + "/kube-controller-manager" }

    /// The assets named by the environment, or why there are none (one line, naming the variable).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Result<EnvtestAssets, Unavailable> {
        guard let directory = environment[variable], !directory.isEmpty else {
            return .failure(Unavailable(reason: "\(variable) is not set (real-API-server tier skipped; `make envtest` or ../shared/envtest/unpack.sh DIR, then export \(variable)=DIR)"))
        }
        let assets = EnvtestAssets(directory: directory)
        for binary in [assets.etcd, assets.kubeAPIServer] where !FileManager.default.isExecutableFile(atPath: binary) {
            return .failure(Unavailable(reason: "\(variable)=\(directory) has no executable \(URL(fileURLWithPath: binary).lastPathComponent)"))
        }
        return .success(assets)
    }

    /// Whether the real-server tier can run in this process; tests use it in `.enabled(if:)`.
    public static var available: Bool {
        if case .success = fromEnvironment() { return true }
        return false
    }

    /// The one-line reason the tier is skipped (empty when it runs).
    public static var skipReason: String {
        if case .failure(let why) = fromEnvironment() { return why.reason }
        return ""
    }

    public struct Unavailable: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }
}
