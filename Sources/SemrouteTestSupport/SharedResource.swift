/// Something the whole test process shares and that tests running in parallel must not use all at once. Every
/// test target runs in one process, so one permit pool per resource holds across targets.
public struct SharedResource: Sendable {
    public let name: String
    let semaphore: AsyncSemaphore

    public init(name: String, width: Int) {
        self.name = name
        semaphore = AsyncSemaphore(width: width)
    }

    /// The CPU, for tests that compute for seconds (the encoder, schema validation over the upstream CRDs, the
    /// classifier under load). Swift's cooperative pool has one thread per core (two here): two such tests at once
    /// would leave no thread for every other test's I/O, whose request timeouts then fire. One at a time.
    public static let cpu = SharedResource(name: "CPU-bound tests", width: 1)

    /// A KubeLocal server with its clients, or a `semroute` process serving one: tests that talk HTTP to a server
    /// in process under a request timeout. A few at a time, so that a parallel run does not start a hundred servers
    /// at once and starve their requests past the timeout.
    public static let localServer = SharedResource(name: "local API servers", width: 3)

    /// A real control plane (etcd + kube-apiserver, maybe kube-controller-manager): starting several at once on a
    /// 2-core machine makes each slow enough to time out. One at a time.
    public static let controlPlane = SharedResource(name: "real control planes", width: 1)

    /// Runs `body` holding one permit of this resource.
    public func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        try await semaphore.withPermit(body)
    }
}
