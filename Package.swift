// swift-tools-version: 6.1
import PackageDescription

// Imports flow one way (docs/architecture.md): Render never imports the client, runtime, logging or metrics;
// Classifier* modules never import Kube* or SemanticRoute* modules; only the `semroute` executable bootstraps
// logging and metrics.
let package = Package(
    name: "semroute",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "semroute", targets: ["semroute"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // Already in the graph through grpc-swift-nio-transport; KubeLocal uses them for its self-signed certificate.
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        // Traces: the libraries record spans through the Tracing API; only the executables bootstrap swift-otel's
        // OTLP exporter (OTEL_* environment variables).
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0"),
    ],
    targets: [
        // Kubernetes vocabulary: JSON values, YAML I/O, object metadata, conditions, structural schemas.
        .target(name: "KubeCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        // kubeconfig + in-cluster config, HTTP transport, get/list/watch/apply/patch/delete, typed errors.
        .target(name: "KubeClient", dependencies: [
            "KubeCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Watcher state machine, store, work queue, backoff, controller, leader election, event recorder.
        .target(name: "KubeRuntime", dependencies: [
            "KubeCore", "KubeClient",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Tracing", package: "swift-distributed-tracing"),
        ]),
        // The local API server: Kubernetes REST semantics in memory (tests, `semroute dev`, `semroute apiserver`).
        .target(name: "KubeLocal", dependencies: [
            "KubeCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Stand-ins for cluster controllers that KubeLocal does not run (Deployment controller + kubelet readiness),
        // for `semroute dev` and tests only; explicit opt-in, never part of the operator's own loop.
        .target(name: "KubeSimulation", dependencies: [
            "KubeCore", "KubeClient", "KubeRuntime",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // A real control plane for tests (etcd, kube-apiserver, kube-controller-manager from KUBEBUILDER_ASSETS,
        // the envtest convention): generated certificates and tokens, audit log, CRD install, teardown by PID.
        // Test support only: no product links it.
        .target(name: "KubeEnvtest", dependencies: [
            "KubeCore", "KubeClient", "KubeLocal",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // What the test targets share (test support only, like KubeEnvtest: no product links it): KubeLocal with a
        // client, scripted list/watch sources, recorders and gates whose waits have deadlines, kubectl, SplitMix.
        .target(name: "SemrouteTestSupport", dependencies: [
            "KubeCore", "KubeClient", "KubeRuntime", "KubeLocal",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The config contract between operator and classifier. No dependencies by design.
        .target(name: "ClassifierConfig"),
        // OpenBLAS (Debian: libopenblas-dev) for the encoder's matrix products.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Tokenizer, encoder, signals, decisions, PII, jailbreak, cache. Pure and fast: no I/O beyond loading files.
        .target(name: "ClassifierCore", dependencies: ["ClassifierConfig", "COpenBLAS", "CEncoderKernels"]),
        // The encoder's int8 matrix products (AVX2), in C for the intrinsics.
        .target(name: "CEncoderKernels"),
        // ext_proc gRPC + HTTP classify API + metrics + config reload + shadow traffic.
        .target(name: "ClassifierServer", dependencies: [
            "ClassifierConfig", "ClassifierCore",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Tracing", package: "swift-distributed-tracing"),
        ]),
        // The SemanticRoute CRD types, defaulting, validation and CRD generation.
        .target(name: "SemanticRouteAPI", dependencies: ["KubeCore"]),
        // Pure: SemanticRoute -> desired objects. No I/O, no clock, no logging.
        .target(name: "SemanticRouteRender", dependencies: ["KubeCore", "SemanticRouteAPI", "ClassifierConfig"]),
        // Instant queries against the Prometheus HTTP API (rollout analysis).
        .target(name: "PrometheusQuery", dependencies: [
            "KubeCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // Reconcile, status evaluation, pruning, wiring.
        .target(name: "SemanticRouteController", dependencies: [
            "KubeCore", "KubeClient", "KubeRuntime", "SemanticRouteAPI", "SemanticRouteRender", "PrometheusQuery",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The operator process's composition root: settings (flags, environment, defaults), the client, the
        // operator and its health/metrics endpoints as one ServiceGroup; testable in process.
        .target(name: "OperatorApp", dependencies: [
            "KubeCore", "KubeClient", "KubeRuntime", "SemanticRouteAPI", "SemanticRouteRender", "SemanticRouteController", "PrometheusQuery",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "semroute", dependencies: [
            "KubeCore", "KubeClient", "KubeRuntime", "KubeLocal", "KubeSimulation",
            "SemanticRouteAPI", "SemanticRouteRender", "SemanticRouteController", "OperatorApp", "PrometheusQuery",
            "ClassifierConfig", "ClassifierCore", "ClassifierServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Tracing", package: "swift-distributed-tracing"),
            .product(name: "OTel", package: "swift-otel"),
        ]),
        .executableTarget(name: "semroute-bench", dependencies: [
            "KubeCore", "KubeClient", "KubeLocal", "KubeEnvtest", "SemanticRouteAPI", "SemanticRouteRender",
            "KubeRuntime", "KubeSimulation", "SemanticRouteController", "PrometheusQuery",
            "ClassifierConfig", "ClassifierCore", "ClassifierServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            // `semroute-bench extproc` plays Envoy's side of the ext_proc stream.
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            // `semroute-bench tracing` exports spans with swift-otel, as the classifier does.
            .product(name: "Tracing", package: "swift-distributed-tracing"),
            .product(name: "OTel", package: "swift-otel"),
        ]),
        // A real control plane for scripts (hack/test-install-kubelocal.py --server real); test support only.
        .executableTarget(name: "semroute-envtest", dependencies: [
            "KubeEnvtest",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "KubeCoreTests", dependencies: ["KubeCore", "KubeEnvtest", "SemrouteTestSupport"]),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "KubeLocal", "KubeCore", "SemrouteTestSupport"]),
        .testTarget(name: "KubeRuntimeTests", dependencies: ["KubeRuntime", "KubeClient", "KubeLocal", "KubeCore", "SemrouteTestSupport"]),
        .testTarget(name: "KubeLocalTests", dependencies: ["KubeLocal", "KubeCore", "KubeEnvtest", "SemrouteTestSupport"]),
        .testTarget(name: "SemanticRouteAPITests", dependencies: ["SemanticRouteAPI", "KubeCore"]),
        .testTarget(name: "SemanticRouteRenderTests",
                    dependencies: ["SemanticRouteRender", "SemanticRouteAPI", "KubeCore", "ClassifierConfig", "KubeEnvtest",
                                   "SemrouteTestSupport"],
                    exclude: ["Golden", "XDS"]),
        .testTarget(name: "SemanticRouteControllerTests", dependencies: [
            "SemanticRouteController", "SemanticRouteAPI", "SemanticRouteRender", "KubeCore", "KubeClient",
            "KubeRuntime", "KubeLocal", "KubeSimulation", "KubeEnvtest", "SemrouteTestSupport", "PrometheusQuery",
        ]),
        .testTarget(name: "ClassifierCoreTests", dependencies: ["ClassifierCore", "ClassifierConfig", "SemrouteTestSupport"]),
        .testTarget(name: "ClassifierServerTests", dependencies: [
            "ClassifierServer", "ClassifierCore", "ClassifierConfig", "SemrouteTestSupport",
            // The phase tests play the filter `semroute render` produces against the config it renders.
            "SemanticRouteRender", "SemanticRouteAPI", "KubeCore",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], exclude: ["python"]),
        // The real-API-server tier: the operator, KubeLocal (differentially) and the CLI against kube-apiserver.
        // Skipped, with one line naming KUBEBUILDER_ASSETS, when the control plane's binaries are not there.
        .testTarget(name: "RealAPIServerTests", dependencies: [
            "KubeEnvtest", "KubeCore", "KubeClient", "KubeRuntime", "KubeLocal", "KubeSimulation",
            "SemanticRouteAPI", "SemanticRouteRender", "SemanticRouteController", "SemrouteTestSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The operator's composition root in process: settings, endpoints, leader election, a reconcile.
        .testTarget(name: "OperatorAppTests", dependencies: [
            "OperatorApp", "KubeClient", "KubeCore", "KubeLocal", "KubeRuntime", "SemanticRouteController", "SemrouteTestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // Runs the built `semroute` binary as a user would (exit codes, stdout vs stderr); the dependency on the
        // executable only makes SwiftPM build it first.
        .testTarget(name: "SemrouteCLITests", dependencies: ["semroute", "KubeEnvtest", "SemrouteTestSupport"]),
    ]
)
