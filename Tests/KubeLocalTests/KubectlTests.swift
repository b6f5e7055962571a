import Foundation
import KubeCore
import KubeLocal
import Testing
import SemrouteTestSupport

@Suite("real kubectl against KubeLocal", .timeLimit(.minutes(10)), .uses(.localServer), .enabled(if: Kubectl.isAvailable, "kubectl is not installed at /usr/bin/kubectl"))
struct KubectlTests {
    static let crd = repositoryRoot + "/crds/semroute.io_semanticroutes.yaml"
    static let sampleFile = repositoryRoot + "/manifests/samples/keyword-only.yaml"
    static let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: llm\n"

    func sample() throws -> String { try String(contentsOfFile: Self.sampleFile, encoding: .utf8) }

    /// A server with the SemanticRoute CRD and the `llm` namespace, applied with kubectl.
    func withCluster(_ body: (LocalAPIServer, Kubectl) async throws -> Void) async throws {
        try await LocalAPIServer.withRunning { server in
            let k = try Kubectl(server: server)
            let crd = try await k.run("apply", "-f", Self.crd)
            try #require(crd.status == 0, "kubectl apply of the CRD failed: \(crd.stderr)")
            #expect(crd.stdout.contains("customresourcedefinition.apiextensions.k8s.io/semanticroutes.semroute.io created"))
            let ns = try await k.run("apply", "-f", "-", stdin: Self.namespace)
            try #require(ns.status == 0, "kubectl apply of the namespace failed: \(ns.stderr)")
            // kubectl's disk discovery cache was written before the CRD existed and short names are expanded from
            // it without a refresh; drop it, as after `kubectl apply` of a CRD against any cluster.
            k.clearDiscoveryCache()
            try await body(server, k)
        }
    }

    @Test("apply creates a SemanticRoute and get prints the CRD's printer columns")
    func applyAndGet() async throws {
        try await withCluster { server, k in
            let applied = try await k.run("apply", "-f", Self.sampleFile)
            #expect(applied.status == 0, "\(applied.stderr)")
            #expect(applied.stdout.contains("semanticroute.semroute.io/keyword-only created"))
            let get = try await k.run("get", "sroute", "-n", "llm")
            #expect(get.status == 0, "\(get.stderr)")
            let header = get.stdout.split(separator: "\n").first.map(String.init) ?? ""
            #expect(header.split(separator: " ", omittingEmptySubsequences: true)
                .map(String.init) == ["NAME", "MODEL", "DECISIONS", "BACKENDS", "CLASSIFIER", "READY", "ROLLOUT", "AGE"])
            #expect(get.stdout.contains("keyword-only") && get.stdout.contains("helpdesk"))
            let yaml = try await k.run("get", "sroute", "keyword-only", "-n", "llm", "-o", "yaml")
            let object = try YAMLReader.document(yaml.stdout)
            #expect(object[path: "spec", "model"] == "helpdesk")
            #expect(object[path: "metadata", "generation"] == 1)
            #expect(object[path: "metadata", "uid"]?.stringValue?.isEmpty == false)
            #expect(object[path: "metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"] != nil)
        }
    }

    @Test("apply again after an edit patches the object (client-side apply) and bumps generation")
    func reapplyAfterEdit() async throws {
        try await withCluster { server, k in
            _ = try await k.run("apply", "-f", Self.sampleFile)
            let edited = try sample().replacingOccurrences(of: "model: helpdesk", with: "model: helpdesk-v2")
            let again = try await k.run("apply", "-f", "-", stdin: edited)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("semanticroute.semroute.io/keyword-only configured"))
            #expect(server.requestLog.count(verb: "patch", resource: "semanticroutes") == 1)
            let yaml = try YAMLReader.document(try await k.run("get", "sroute", "keyword-only", "-n", "llm", "-o", "yaml").stdout)
            #expect(yaml[path: "spec", "model"] == "helpdesk-v2")
            #expect(yaml[path: "metadata", "generation"] == 2)
            // As against kube-apiserver, lists with server-defaulted items differ from the last-applied
            // configuration, so kubectl sends a patch; the server finds nothing to change.
            let rv = yaml[path: "metadata", "resourceVersion"]
            let again2 = try await k.run("apply", "-f", "-", stdin: edited)
            #expect(again2.status == 0, "\(again2.stderr)")
            let after = try YAMLReader.document(try await k.run("get", "sroute", "keyword-only", "-n", "llm", "-o", "yaml").stdout)
            #expect(after[path: "metadata", "resourceVersion"] == rv)
            #expect(after[path: "metadata", "generation"] == 2)
        }
    }

    @Test("apply --server-side records kubectl as a field manager")
    func serverSideApply() async throws {
        try await withCluster { server, k in
            let applied = try await k.run("apply", "--server-side", "-f", Self.sampleFile)
            #expect(applied.status == 0, "\(applied.stderr)")
            #expect(applied.stdout.contains("serverside-applied"))
            let yaml = try YAMLReader.document(try await k.run("get", "sroute", "keyword-only", "-n", "llm", "-o", "yaml",
                                                               "--show-managed-fields").stdout)
            let managers = yaml[path: "metadata", "managedFields"]?.arrayValue?.compactMap { $0["manager"]?.stringValue } ?? []
            #expect(managers.contains("kubectl"))
            let conflicting = try sample().replacingOccurrences(of: "model: helpdesk", with: "model: other")
            let conflict = try await k.run("apply", "--server-side", "--field-manager", "intruder", "-f", "-", stdin: conflicting)
            #expect(conflict.status != 0)
            #expect(conflict.stderr.contains("conflict"))
            #expect(conflict.stderr.contains(".spec.model"))
            let forced = try await k.run("apply", "--server-side", "--field-manager", "intruder", "--force-conflicts", "-f", "-",
                                         stdin: conflicting)
            #expect(forced.status == 0, "\(forced.stderr)")
        }
    }

    @Test("scale sets spec.classifier.replicas through the scale subresource")
    func scale() async throws {
        try await withCluster { server, k in
            _ = try await k.run("apply", "-f", Self.sampleFile)
            let scaled = try await k.run("scale", "sroute", "keyword-only", "-n", "llm", "--replicas=3")
            #expect(scaled.status == 0, "\(scaled.stderr)")
            #expect(scaled.stdout.contains("scaled"))
            let yaml = try YAMLReader.document(try await k.run("get", "sroute", "keyword-only", "-n", "llm", "-o", "yaml").stdout)
            #expect(yaml[path: "spec", "classifier", "replicas"] == 3)
        }
    }

    @Test("explain shows the CRD schema's fields")
    func explain() async throws {
        try await withCluster { _, k in
            let explained = try await k.run("explain", "sroute.spec")
            try #require(explained.status == 0, "kubectl explain failed: \(explained.stderr)")
            #expect(explained.stdout.contains("KIND:       SemanticRoute"))
            #expect(explained.stdout.contains("backends\t<[]Object> -required-"))
        }
    }

    @Test("delete removes the object and get --watch sees it come and go")
    func deleteAndWatch() async throws {
        try await withCluster { server, k in
            let watch = try k.start("get", "sroute", "-n", "llm", "--watch", "--output-watch-events")
            defer { watch.stop() }
            // LocalAPIServer has no event for "a watch opened": poll its count, briefly and with a deadline.
            try await withDeadline(.seconds(60), "kubectl's watch to reach the server") {
                while await server.watchCount() == 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            _ = try await k.run("apply", "-f", Self.sampleFile)
            let deleted = try await k.run("delete", "sroute", "keyword-only", "-n", "llm")
            #expect(deleted.status == 0, "\(deleted.stderr)")
            #expect(deleted.stdout.contains("semanticroute.semroute.io \"keyword-only\" deleted"))
            let seen = await watch.read { $0.contains("DELETED") }
            #expect(seen.contains("ADDED"))
            #expect(seen.contains("DELETED"))
            #expect(seen.contains("keyword-only"))
            let after = try await k.run("get", "sroute", "keyword-only", "-n", "llm")
            #expect(after.status != 0)
            #expect(after.stderr.contains("NotFound"))
        }
    }

    @Test("a schema-invalid object is rejected with kube-apiserver's Invalid error naming the field")
    func invalidObject() async throws {
        try await withCluster { _, k in
            let bad = try sample().replacingOccurrences(of: "provider: SelfHosted", with: "provider: Nowhere")
            let rejected = try await k.run("apply", "-f", "-", stdin: bad)
            #expect(rejected.status != 0)
            // kubectl reformats kube-apiserver's 422 Invalid Status: one line per cause, with its field path.
            #expect(rejected.stderr.contains("The SemanticRoute \"keyword-only\" is invalid"))
            #expect(rejected.stderr.contains("* spec.backends[0].provider: Unsupported value: \"Nowhere\""))
        }
    }

    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: llm}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: web
                image: nginx:1.27
                env: [{name: A, value: "1"}]

        """

    @Test("built-in deployments: get prints kube's default columns, re-apply merges containers by name, scale works")
    func deployments() async throws {
        try await withCluster { server, k in
            let created = try await k.run("apply", "-f", "-", stdin: Self.deployment)
            #expect(created.status == 0, "\(created.stderr)")
            let get = try await k.run("get", "deploy", "-n", "llm")
            let header = get.stdout.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) } ?? []
            #expect(header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], "\(get.stdout) \(get.stderr)")
            #expect(get.stdout.contains("0/2"))
            let edited = Self.deployment.replacingOccurrences(of: "nginx:1.27", with: "nginx:1.28")
            let again = try await k.run("apply", "-f", "-", stdin: edited)
            #expect(again.status == 0, "\(again.stderr)")
            let scaled = try await k.run("scale", "deployment", "web", "-n", "llm", "--replicas=4")
            #expect(scaled.status == 0, "\(scaled.stderr)")
            let yaml = try YAMLReader.document(try await k.run("get", "deploy", "web", "-n", "llm", "-o", "yaml").stdout)
            let containers = yaml[path: "spec", "template", "spec", "containers"]?.arrayValue ?? []
            #expect(containers.count == 1)
            #expect(containers.first?["image"] == "nginx:1.28")
            #expect(containers.first?["env"] == [["name": "A", "value": "1"]])
            #expect(yaml[path: "spec", "replicas"] == 4)
            #expect(yaml[path: "metadata", "generation"] == 3)
        }
    }

    static let rbac = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: semroute-reader
        rules:
          - apiGroups: [semroute.io]
            resources: [semanticroutes]
            verbs: [get, list, watch]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: semroute-reader
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: ClusterRole
          name: semroute-reader
        subjects:
          - kind: ServiceAccount
            name: semroute
            namespace: llm
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: leases
          namespace: llm
        rules:
          - apiGroups: [coordination.k8s.io]
            resources: [leases]
            verbs: [get, update]

        """

    @Test("RBAC built-ins: apply a ClusterRole, a binding and a Role; get prints kube's columns; edits re-apply")
    func rbacObjects() async throws {
        try await withCluster { server, k in
            let applied = try await k.run("apply", "-f", "-", stdin: Self.rbac)
            #expect(applied.status == 0, "\(applied.stderr)")
            #expect(applied.stdout.contains("clusterrole.rbac.authorization.k8s.io/semroute-reader created"))
            #expect(applied.stdout.contains("clusterrolebinding.rbac.authorization.k8s.io/semroute-reader created"))
            #expect(applied.stdout.contains("role.rbac.authorization.k8s.io/leases created"))
            let roles = try await k.run("get", "clusterroles")
            #expect(roles.status == 0, "\(roles.stderr)")
            let lines = roles.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(lines.first == ["NAME", "CREATED", "AT"], "\(roles.stdout)")
            #expect(lines.dropFirst().contains { $0.first == "semroute-reader" && $0.last?.hasSuffix("Z") == true })
            let bindings = try await k.run("get", "clusterrolebindings", "-o", "wide")
            #expect(bindings.status == 0, "\(bindings.stderr)")
            let header = bindings.stdout.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) } ?? []
            #expect(header == ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"], "\(bindings.stdout)")
            #expect(bindings.stdout.contains("ClusterRole/semroute-reader") && bindings.stdout.contains("llm:semroute"))
            let namespaced = try await k.run("get", "roles", "-n", "llm", "-o", "name")
            #expect(namespaced.stdout == "role.rbac.authorization.k8s.io/leases\n", "\(namespaced.stderr)")
            #expect(try await k.run("get", "roles", "-n", "default", "-o", "name").stdout.isEmpty)
            let edited = Self.rbac.replacingOccurrences(of: "verbs: [get, list, watch]", with: "verbs: [get, list]")
            let again = try await k.run("apply", "-f", "-", stdin: edited)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("clusterrole.rbac.authorization.k8s.io/semroute-reader configured"))
            #expect(server.requestLog.count(verb: "patch", resource: "clusterroles") == 1)
            let yaml = try YAMLReader.document(try await k.run("get", "clusterrole", "semroute-reader", "-o", "yaml").stdout)
            #expect(yaml[path: "rules"] == [["apiGroups": ["semroute.io"], "resources": ["semanticroutes"], "verbs": ["get", "list"]]])
            let deleted = try await k.run("delete", "clusterrolebinding", "semroute-reader")
            #expect(deleted.status == 0, "\(deleted.stderr)")
            #expect(try await k.run("get", "clusterrolebindings", "-o", "name").stdout.isEmpty)
        }
    }
}
