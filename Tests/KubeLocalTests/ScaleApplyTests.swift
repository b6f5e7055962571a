import Foundation
import KubeCore
import KubeLocal
import Testing
import SemrouteTestSupport

@Suite("server-side apply on the scale subresource", .timeLimit(.minutes(10)), .uses(.localServer))
struct ScaleApplyTests {
    static let apply = "application/apply-patch+yaml"

    static func managers(_ object: JSONValue) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for entry in object[path: "metadata", "managedFields"]?.arrayValue ?? [] {
            let key = [entry["manager"]?.stringValue, entry["operation"]?.stringValue, entry["subresource"]?.stringValue]
                .compactMap { $0 }.joined(separator: "/")
            out[key] = entry["fieldsV1"]
        }
        return out
    }

    @Test("applying a Scale to a deployment sets spec.replicas, gives the applier ownership, and conflicts unless forced")
    func deploymentScale() async throws {
        try await LocalAPIServer.withRunning { server in
            let http = HTTP(base: server.baseURL)
            let path = "/apis/apps/v1/namespaces/default/deployments/web"
            let deployment: JSONValue = [
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                "spec": ["replicas": 1, "selector": ["matchLabels": ["app": "web"]],
                         "template": ["metadata": ["labels": ["app": "web"]],
                                      "spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]]],
            ]
            let created = try await http.send("PATCH", path + "?fieldManager=gitops", deployment, contentType: Self.apply)
            #expect(created.code == 201, "\(created.body)")
            let scale: JSONValue = ["apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": ["name": "web"],
                                    "spec": ["replicas": 3]]
            // gitops owns spec.replicas (= 1) through its apply: a different value is a conflict naming it.
            let conflict = try await http.send("PATCH", path + "/scale?fieldManager=hpa", scale, contentType: Self.apply)
            #expect(conflict.code == 409, "\(conflict.body)")
            #expect(conflict.body["reason"] == "Conflict")
            #expect(conflict.body[path: "details", "causes"]?.arrayValue?.first?["field"] == ".spec.replicas")
            #expect(conflict.body["message"]?.stringValue?.contains("conflict with \"gitops\"") == true)
            let forced = try await http.send("PATCH", path + "/scale?fieldManager=hpa&force=true", scale, contentType: Self.apply)
            #expect(forced.code == 200, "\(forced.body)")
            #expect(forced.body["kind"] == "Scale")
            #expect(forced.body[path: "spec", "replicas"] == 3)
            #expect(forced.body[path: "status", "selector"] == "app=web")
            let live = try await http.send("GET", path)
            #expect(live.body[path: "spec", "replicas"] == 3)
            #expect(live.body[path: "metadata", "generation"] == 2)
            let owners = Self.managers(live.body)
            #expect(owners["hpa/Apply/scale"] == ["f:spec": ["f:replicas": .object(JSONObject())]])
            #expect(owners["gitops/Apply"]?[path: "f:spec", "f:replicas"] == nil)
            #expect(owners["gitops/Apply"]?[path: "f:spec", "f:selector"] != nil)
            // Now hpa owns the field: gitops re-applying its old replicas conflicts with hpa.
            let reapply = try await http.send("PATCH", path + "?fieldManager=gitops", deployment, contentType: Self.apply)
            #expect(reapply.code == 409, "\(reapply.body)")
            #expect(reapply.body["message"]?.stringValue?.contains("conflict with \"hpa\"") == true)
        }
    }

    @Test("a Scale apply without spec.replicas, with a negative count or to a missing object is rejected")
    func invalidScale() async throws {
        try await LocalAPIServer.withRunning { server in
            let http = HTTP(base: server.baseURL)
            let path = "/apis/apps/v1/namespaces/default/deployments/web"
            let missing = try await http.send("PATCH", path + "/scale?fieldManager=hpa", ["spec": ["replicas": 2]],
                                              contentType: Self.apply)
            #expect(missing.code == 404)
            let deployment: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                                         "spec": ["replicas": 1]]
            #expect(try await http.send("POST", "/apis/apps/v1/namespaces/default/deployments", deployment).code == 201)
            let noReplicas = try await http.send("PATCH", path + "/scale?fieldManager=hpa", ["spec": .object(JSONObject())],
                                                 contentType: Self.apply)
            #expect(noReplicas.code == 422)
            #expect(noReplicas.body[path: "details", "causes"]?.arrayValue?.first?["field"] == "spec.replicas")
            let negative = try await http.send("PATCH", path + "/scale?fieldManager=hpa", ["spec": ["replicas": -1]],
                                               contentType: Self.apply)
            #expect(negative.code == 422)
            let wrongKind = try await http.send("PATCH", path + "/scale?fieldManager=hpa",
                                                ["apiVersion": "apps/v1", "kind": "Deployment", "spec": ["replicas": 2]],
                                                contentType: Self.apply)
            #expect(wrongKind.code == 400)
            #expect(try await http.send("GET", path).body[path: "spec", "replicas"] == 1)
        }
    }

    @Test("applying a Scale to a custom resource writes through the CRD's specReplicasPath")
    func customResourceScale() async throws {
        try await LocalAPIServer.withRunning { server in
            let http = HTTP(base: server.baseURL)
            let crd = try YAMLReader.document(try String(contentsOfFile: repositoryRoot + "/crds/semroute.io_semanticroutes.yaml", encoding: .utf8))
            #expect(try await http.send("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).code == 201)
            var route = try YAMLReader.document(try String(contentsOfFile: repositoryRoot + "/manifests/samples/keyword-only.yaml", encoding: .utf8))
            route["metadata"]?["namespace"] = "default"
            let path = "/apis/semroute.io/v1alpha1/namespaces/default/semanticroutes/keyword-only"
            let created = try await http.send("PATCH", path + "?fieldManager=gitops", route, contentType: Self.apply)
            #expect(created.code == 201, "\(created.body)")
            let applied = try await http.send("PATCH", path + "/scale?fieldManager=autoscaler", ["spec": ["replicas": 5]],
                                              contentType: Self.apply)
            #expect(applied.code == 200, "\(applied.body)")
            #expect(applied.body[path: "spec", "replicas"] == 5)
            let live = try await http.send("GET", path)
            #expect(live.body[path: "spec", "classifier", "replicas"] == 5)
            #expect(Self.managers(live.body)["autoscaler/Apply/scale"]
                == ["f:spec": ["f:classifier": ["f:replicas": .object(JSONObject())]]])
        }
    }

    @Test("an apply that drops one element of a named list removes the whole element, every time (no husk left behind)")
    func droppedListElement() async throws {
        try await LocalAPIServer.withRunning { server in
            let http = HTTP(base: server.baseURL)
            for i in 0..<20 {
                let path = "/apis/apps/v1/namespaces/default/deployments/web\(i)"
                func deployment(_ containers: [String]) -> JSONValue {
                    ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string("web\(i)")],
                     "spec": ["selector": ["matchLabels": ["app": "web"]],
                              "template": ["metadata": ["labels": ["app": "web"]],
                                           "spec": ["containers": .array(containers.map { ["name": .string($0), "image": "nginx:1.27", "args": ["-x"]] })]]]]
                }
                #expect(try await http.send("PATCH", path + "?fieldManager=op", deployment(["a", "b"]), contentType: Self.apply).code == 201)
                let shrunk = try await http.send("PATCH", path + "?fieldManager=op", deployment(["a"]), contentType: Self.apply)
                #expect(shrunk.code == 200, "\(shrunk.body)")
                let names = shrunk.body[path: "spec", "template", "spec", "containers"]?.arrayValue?.map { $0["name"] }
                #expect(names == ["a"], "try \(i): \(shrunk.body[path: "spec", "template", "spec", "containers"] ?? .null)")
            }
        }
    }
}
