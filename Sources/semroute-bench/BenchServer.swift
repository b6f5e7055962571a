import ArgumentParser
import Foundation
import KubeClient
import KubeCore
import KubeEnvtest
import KubeLocal
import Logging
import SemanticRouteController

/// The API server a benchmark runs against, and what it saw: KubeLocal in this process (its request log) or a
/// real kube-apiserver from KUBEBUILDER_ASSETS (its audit log). The benchmark process then holds only the
/// operator, so its peak RSS is the operator's.
enum BenchServer {
    enum Kind: String, ExpressibleByArgument, CaseIterable { case local, real }

    case local(LocalAPIServer)
    case real(ControlPlane)

    /// One request as the server recorded it.
    struct Request: CustomStringConvertible {
        var verb: String
        var resource: String
        var subresource: String?
        var namespace: String?
        var name: String?
        var isWrite: Bool { ["create", "update", "patch", "delete", "deletecollection"].contains(verb) }
        var description: String { "\(verb) \(resource)\(subresource.map { "/\($0)" } ?? "") \(namespace ?? "")/\(name ?? "")" }
    }

    static func start(_ kind: Kind, crdPaths: [String], logger: Logger) async throws -> BenchServer {
        switch kind {
        case .local:
            let server = try await LocalAPIServer.start(.init(port: 0, logger: logger))
            for path in crdPaths {
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                if isDirectory.boolValue {
                    try await server.registerCRDs(fromDirectory: path)
                } else {
                    for crd in try YAMLReader.documents(try String(contentsOfFile: path, encoding: .utf8)) {
                        try await server.registerCRD(crd)
                    }
                }
            }
            return .local(server)
        case .real:
            let assets = try EnvtestAssets.fromEnvironment().get()
            return .real(try await ControlPlane.start(assets, options: .init(crdPaths: crdPaths), logger: logger))
        }
    }

    var kind: Kind {
        if case .local = self { return .local }
        return .real
    }

    var config: KubeConfig {
        switch self {
        case .local(let server): KubeConfig(server: URL(string: server.baseURL)!)
        case .real(let plane): plane.config()
        }
    }

    /// A point in the server's record: ``requests(since:)`` returns what came after it.
    func mark() -> Int {
        switch self {
        case .local(let server): server.requestLog.all.count
        case .real(let plane): plane.auditLog().mark().offset
        }
    }

    func requests(since mark: Int) -> [Request] {
        switch self {
        case .local(let server):
            server.requestLog.all.dropFirst(mark).filter { !$0.resource.isEmpty }.map {
                Request(verb: $0.verb, resource: $0.resource, subresource: $0.subresource, namespace: $0.namespace, name: $0.name)
            }
        case .real(let plane):
            // The benchmark's own requests (kube-apiserver's housekeeping, e.g. its identity Lease, is not ours).
            plane.auditLog().entries(since: AuditLog.Mark(offset: mark)).filter { $0.user == ControlPlane.User.admin.rawValue }.map {
                Request(verb: $0.verb, resource: $0.resource, subresource: $0.subresource, namespace: $0.namespace, name: $0.name)
            }
        }
    }

    func stop() async {
        switch self {
        case .local(let server): await server.stop()
        case .real(let plane): await plane.stop()
        }
    }
}

extension BenchServer {
    /// What the sample routes reference: the namespaces `llm`, `models` and `envoy-gateway-system`, the Gateway
    /// `ai-gateway` with listener `http`, the Secret `llm/openai-key`, and one Service per name in `models`.
    static func seed(_ client: KubeClient, services: [String]) async throws {
        for ns in ["llm", "models", "envoy-gateway-system"] {
            _ = try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
        }
        _ = try await client.create(ManagedKinds.gateways, namespace: "envoy-gateway-system", [
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
            "metadata": ["name": "ai-gateway", "namespace": "envoy-gateway-system"],
            "spec": ["gatewayClassName": "eg", "listeners": [["name": "http", "port": 80, "protocol": "HTTP"]]]])
        _ = try await client.create(.secrets, namespace: "llm", ["apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": "openai-key", "namespace": "llm"], "data": ["apiKey": "c2VjcmV0"]])
        for name in services {
            _ = try await client.create(.services, namespace: "models", ["apiVersion": "v1", "kind": "Service",
                "metadata": ["name": .string(name), "namespace": "models"], "spec": ["ports": [["port": 8000]]]])
        }
    }
}
