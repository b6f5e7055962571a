import Foundation
import KubeClient
import KubeCore
import KubeEnvtest
import Testing
@testable import SemanticRouteController

/// The objects a test puts on the real server, from the project's own manifests: `manifests/dev` (namespaces,
/// Gateway, model Services, the OpenAI Secret) and `manifests/samples/mom.yaml`, moved into namespaces of the
/// test's own (`<prefix>-llm`, `<prefix>-models`, `<prefix>-gw`) so the tests of one suite never share objects.
struct RealServerFixtures {
    let prefix: String
    var routeNamespace: String { "\(prefix)-llm" }
    var gatewayNamespace: String { "\(prefix)-gw" }
    var modelsNamespace: String { "\(prefix)-models" }

    func mapped(_ namespace: String) -> String {
        switch namespace {
        case "llm": routeNamespace
        case "models": modelsNamespace
        case "envoy-gateway-system": gatewayNamespace
        default: namespace
        }
    }

    static func documents(_ relativePath: String) throws -> [JSONValue] {
        try YAMLReader.documents(try String(contentsOfFile: RealServer.repoRoot.appendingPathComponent(relativePath).path,
                                            encoding: .utf8))
    }

    /// Namespaces, Gateway, Services and the Secret the sample route references.
    func prerequisites(secret: Bool = true) throws -> [JSONValue] {
        let objects = try Self.documents("manifests/dev/prerequisites.yaml")
            + (secret ? try Self.documents("manifests/dev/secret.yaml") : [])
        return objects.map { object in
            if object["kind"]?.stringValue == "Namespace" {
                return object.setting(["metadata", "name"], .string(mapped(object[path: "metadata", "name"]!.stringValue!)))
            }
            return object.setting(["metadata", "namespace"], .string(mapped(object[path: "metadata", "namespace"]!.stringValue!)))
        }
    }

    /// `manifests/samples/<sample>` in the test's namespaces.
    func route(_ sample: String = "mom.yaml") throws -> JSONValue {
        var route = try Self.documents("manifests/samples/\(sample)")[0]
        route = route.setting(["metadata", "namespace"], .string(routeNamespace))
            .setting(["spec", "gatewayRef", "namespace"], .string(gatewayNamespace))
        if case .array(let backends)? = route[path: "spec", "backends"] {
            route = route.setting(["spec", "backends"], .array(backends.map { backend in
                guard let ns = backend[path: "endpoint", "service", "namespace"]?.stringValue else { return backend }
                return backend.setting(["endpoint", "service", "namespace"], .string(mapped(ns)))
            }))
        }
        return route
    }

    @discardableResult
    static func create(_ client: KubeClient, _ object: JSONValue) async throws -> JSONValue {
        let resource = try #require(ManagedKinds.resource(of: object), "no resource for \(object["kind"] ?? "?")")
        return try await client.create(resource, namespace: resource.namespaced ? object[path: "metadata", "namespace"]?.stringValue : nil,
                                       object)
    }

    /// The shipped ClusterRoles (`manifests/rbac/cluster_role.yaml`, `crd_reader_role.yaml`), bound to the `semroute-operator` user, and the
    /// leader-election Role in `leaseNamespace` (created if missing). Idempotent: suites call it once, tests may again.
    static func grantOperatorRBAC(_ admin: KubeClient, leaseNamespace: String = "semroute-system") async throws {
        let rbac = "rbac.authorization.k8s.io"
        let clusterRoles = APIResource(group: rbac, version: "v1", plural: "clusterroles", kind: "ClusterRole", namespaced: false)
        let clusterRoleBindings = APIResource(group: rbac, version: "v1", plural: "clusterrolebindings",
                                              kind: "ClusterRoleBinding", namespaced: false)
        let roles = APIResource(group: rbac, version: "v1", plural: "roles", kind: "Role", namespaced: true)
        let roleBindings = APIResource(group: rbac, version: "v1", plural: "rolebindings", kind: "RoleBinding", namespaced: true)
        let user: JSONValue = [["apiGroup": .string(rbac), "kind": "User", "name": .string(ControlPlane.User.operatorUser.rawValue)]]
        let apply = ApplyOptions(fieldManager: "envtest", force: true)
        let role = try documents("manifests/rbac/cluster_role.yaml")[0]
        _ = try await admin.apply(clusterRoles, name: "semroute", role, options: apply)
        _ = try await admin.apply(clusterRoleBindings, name: "semroute", [
            "roleRef": ["apiGroup": .string(rbac), "kind": "ClusterRole", "name": "semroute"], "subjects": user,
        ], options: apply)
        // The one-CRD reader (`--ai-gateway-version=auto`): the operator reads the AIGatewayRoute CRD at start.
        let reader = try documents("manifests/rbac/crd_reader_role.yaml")[0]
        _ = try await admin.apply(clusterRoles, name: "semroute-crd-reader", reader, options: apply)
        _ = try await admin.apply(clusterRoleBindings, name: "semroute-crd-reader", [
            "roleRef": ["apiGroup": .string(rbac), "kind": "ClusterRole", "name": "semroute-crd-reader"], "subjects": user,
        ], options: apply)
        _ = try await admin.apply(.namespaces, name: leaseNamespace, [:], options: apply)
        let election = try documents("manifests/rbac/leader_election_role.yaml")[0]
            .setting(["metadata", "namespace"], .string(leaseNamespace))
        _ = try await admin.apply(roles, namespace: leaseNamespace, name: "semroute-leader-election", election, options: apply)
        _ = try await admin.apply(roleBindings, namespace: leaseNamespace, name: "semroute-leader-election", [
            "roleRef": ["apiGroup": .string(rbac), "kind": "Role", "name": "semroute-leader-election"], "subjects": user,
        ], options: apply)
    }
}
