import KubeCore
import Testing
@testable import KubeClient

@Suite("REST paths and query strings", .timeLimit(.minutes(2)))
struct RequestPathTests {
    static let route = APIResource(group: "semroute.io", version: "v1alpha1", plural: "semanticroutes",
                                   kind: "SemanticRoute", namespaced: true)

    @Test("core, named-group and cluster-scoped resources get kube-apiserver's paths")
    func paths() throws {
        #expect(try KubeClient.path(.configMaps, namespace: "ns", name: "a") == "/api/v1/namespaces/ns/configmaps/a")
        #expect(try KubeClient.path(.configMaps, namespace: nil) == "/api/v1/configmaps")
        #expect(try KubeClient.path(.deployments, namespace: "ns", name: "d", subresource: .scale)
            == "/apis/apps/v1/namespaces/ns/deployments/d/scale")
        #expect(try KubeClient.path(Self.route, namespace: "ns", name: "r", subresource: .status)
            == "/apis/semroute.io/v1alpha1/namespaces/ns/semanticroutes/r/status")
        #expect(try KubeClient.path(.namespaces, namespace: "ignored", name: "ns") == "/api/v1/namespaces/ns")
        #expect(try KubeClient.path(.customResourceDefinitions, namespace: nil, name: "x.semroute.io")
            == "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.semroute.io")
    }

    @Test("single-object calls on a namespaced resource need a namespace")
    func namespaceRequired() {
        let error = #expect(throws: KubeError.self) { try KubeClient.namespacedPath(.secrets, namespace: nil, name: "s") }
        #expect(error?.message.contains("namespace") == true)
        #expect(throws: KubeError.self) { try KubeClient.path(.secrets, namespace: "ns", name: "") }
    }

    @Test("selectors and tokens are percent-encoded in the query")
    func queryEscaping() {
        let selector = LabelSelector(matchLabels: ["app": "x"],
                                     matchExpressions: [.init(key: "tier", operator: .in, values: ["a", "b"])])
        let options = ListOptions(labelSelector: selector, fieldSelector: "metadata.name=a", limit: 10,
                                  continueToken: "abc/+=")
        let query = options.query.map { KubeClient.escape($0.0) + "=" + KubeClient.escape($0.1) }.joined(separator: "&")
        #expect(query == "labelSelector=app%3Dx%2Ctier%20in%20%28a%2Cb%29&fieldSelector=metadata.name%3Da&limit=10"
            + "&continue=abc%2F%2B%3D")
        let watch = WatchOptions(resourceVersion: "42", timeoutSeconds: 30).query
        #expect(watch.map(\.0) == ["watch", "resourceVersion", "allowWatchBookmarks", "timeoutSeconds"])
    }
}

@Suite("label selectors", .timeLimit(.minutes(2)))
struct LabelSelectorTests {
    @Test("the query-string form parses every operator and round-trips")
    func parse() throws {
        let selector = try LabelSelector(parsing: "app=web, tier in (a,b),env!=prod,track notin (x),canary,!old,n>3")
        let ops = selector.requirements.map(\.operator)
        #expect(ops == [.in, .in, .notIn, .notIn, .exists, .doesNotExist, .greaterThan])
        #expect(selector.description == "app=web,tier in (a,b),env!=prod,track!=x,canary,!old,n>3")
        #expect(try LabelSelector(parsing: selector.description) == selector)
        #expect(try LabelSelector(parsing: "").isEmpty)
    }

    @Test("matching follows kube-apiserver: != and notin match objects without the label")
    func matching() throws {
        let selector = try LabelSelector(parsing: "app=web,env!=prod,!old")
        #expect(selector.matches(["app": "web"]))
        #expect(selector.matches(["app": "web", "env": "dev"]))
        #expect(!selector.matches(["app": "web", "env": "prod"]))
        #expect(!selector.matches(["app": "web", "old": "1"]))
        #expect(!selector.matches([:]))
        #expect(try LabelSelector(parsing: "n>3").matches(["n": "4"]))
        #expect(try !LabelSelector(parsing: "n>3").matches(["n": "3"]))
        #expect(LabelSelector().matches(["any": "thing"]))
    }

    @Test("malformed selectors are errors naming the selector")
    func malformed() {
        for text in ["app in a,b", "a=b=c", "x>y", "a,,b", "bad key=1", "tier foo (a)"] {
            let error = #expect(throws: LabelSelector.ParseError.self, "\(text)") { try LabelSelector(parsing: text) }
            #expect(error?.description.contains(text) == true)
        }
    }
}
