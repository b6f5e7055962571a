// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "semroute",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "semroute", targets: ["semroute"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Kubernetes vocabulary: JSON values, YAML I/O, object metadata, conditions, structural schemas.
        .target(name: "KubeCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        // The config contract between operator and classifier. No dependencies by design.
        .target(name: "ClassifierConfig"),
        // The SemanticRoute CRD types, defaulting, validation and CRD generation.
        .target(name: "SemanticRouteAPI", dependencies: ["KubeCore", "ClassifierConfig"]),
        // Pure: SemanticRoute -> desired objects. No I/O, no clock, no logging.
        .target(name: "SemanticRouteRender", dependencies: ["KubeCore", "SemanticRouteAPI", "ClassifierConfig"]),
        .executableTarget(name: "semroute", dependencies: [
            "KubeCore", "SemanticRouteAPI", "SemanticRouteRender",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "semroute-bench", dependencies: ["KubeCore", "SemanticRouteAPI", "SemanticRouteRender"]),
        .testTarget(name: "KubeCoreTests", dependencies: ["KubeCore"]),
        .testTarget(name: "SemanticRouteAPITests", dependencies: ["SemanticRouteAPI", "KubeCore"]),
        .testTarget(name: "SemanticRouteRenderTests",
                    dependencies: ["SemanticRouteRender", "SemanticRouteAPI", "KubeCore", "ClassifierConfig"],
                    exclude: ["Golden"]),
        // Runs the built `semroute` binary as a user would (exit codes, stdout vs stderr).
        .testTarget(name: "SemrouteCLITests", dependencies: ["semroute"]),
    ]
)
