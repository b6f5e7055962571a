import Foundation
import KubeCore
import KubeLocal
import Testing
import SemrouteTestSupport

/// kubectl's typed generators send protobuf bodies; KubeLocal reads those of the kinds a quickstart creates.
@Suite("kubectl create against KubeLocal", .timeLimit(.minutes(10)), .uses(.localServer), .enabled(if: Kubectl.isAvailable, "kubectl is not installed at /usr/bin/kubectl"))
struct KubectlCreateTests {
    @Test("kubectl create namespace, secret generic, configmap and serviceaccount store exactly what was given")
    func generators() async throws {
        try await LocalAPIServer.withRunning { server in
            let k = try Kubectl(server: server)
            let ns = try await k.run("create", "namespace", "llm")
            #expect(ns.status == 0 && ns.stdout == "namespace/llm created\n", "\(ns.stderr)")
            let secret = try await k.run("create", "secret", "generic", "openai-key", "-n", "llm",
                                         "--from-literal=apiKey=sk-test", "--from-literal=empty=")
            #expect(secret.status == 0, "\(secret.stderr)")
            let cm = try await k.run("create", "configmap", "settings", "-n", "llm", "--from-literal=mode=fast")
            #expect(cm.status == 0, "\(cm.stderr)")
            let sa = try await k.run("create", "serviceaccount", "bot", "-n", "llm")
            #expect(sa.status == 0, "\(sa.stderr)")

            let namespace = try YAMLReader.document(try await k.run("get", "namespace", "llm", "-o", "yaml").stdout)
            #expect(namespace[path: "metadata", "name"] == "llm")
            #expect(namespace[path: "metadata", "generateName"] == nil, "unset strings stay unset")
            let s = try YAMLReader.document(try await k.run("get", "secret", "openai-key", "-n", "llm", "-o", "yaml").stdout)
            #expect(s[path: "data", "apiKey"]?.stringValue == Data("sk-test".utf8).base64EncodedString())
            #expect(s[path: "data", "empty"] == "")
            #expect(s[path: "type"] == "Opaque")
            #expect(s[path: "metadata", "namespace"] == "llm")
            let c = try YAMLReader.document(try await k.run("get", "configmap", "settings", "-n", "llm", "-o", "yaml").stdout)
            #expect(c[path: "data"] == ["mode": "fast"])
            #expect(try await k.run("get", "serviceaccount", "bot", "-n", "llm").status == 0)
        }
    }

    @Test("a protobuf body of another kind is refused with 415 naming the kind; nothing is stored")
    func otherKinds() async throws {
        try await LocalAPIServer.withRunning { server in
            let k = try Kubectl(server: server)
            let deployment = try await k.run("create", "deployment", "web", "--image=nginx:1.27", "-n", "default")
            #expect(deployment.status != 0)
            #expect(deployment.stderr.contains("not apps/v1 Deployment"), "\(deployment.stderr)")
            #expect(try await k.run("get", "deployment", "web", "-n", "default").status != 0)
        }
    }

    @Test("a Secret without a type is Opaque and a Service without a type is ClusterIP, as the API server defaults them")
    func defaults() async throws {
        try await LocalAPIServer.withRunning { server in
            let k = try Kubectl(server: server)
            let applied = try await k.run("apply", "-f", "-", stdin: """
                apiVersion: v1
                kind: Secret
                metadata: {name: s, namespace: default}
                stringData: {k: v}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: default}
                spec: {ports: [{port: 80}]}
                """)
            #expect(applied.status == 0, "\(applied.stderr)")
            let svc = try await k.run("get", "svc", "web", "-n", "default", "--no-headers")
            #expect(svc.stdout.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "ClusterIP", "\(svc.stdout)")
            let secret = try YAMLReader.document(try await k.run("get", "secret", "s", "-n", "default", "-o", "yaml").stdout)
            #expect(secret["type"] == "Opaque")
        }
    }
}
