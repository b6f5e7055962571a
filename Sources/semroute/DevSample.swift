import Foundation
import KubeClient
import KubeCore
import SemanticRouteController
import SemanticRouteRender

/// The sample `semroute dev` applies on its first start: every YAML file in `manifests/dev` (found from the
/// working folder or one of its parents), each object created unless it already exists. A marker in the data
/// folder records that it was applied, so a restart does not bring back a route the user deleted or revert
/// their edits.
enum DevSample {
    static let folder = "manifests/dev"
    static let marker = "dev-sample-applied"

    struct SampleError: Error, CustomStringConvertible {
        var description: String
    }

    /// Applies the sample unless an earlier run did; returns the sample route's label value (`namespace.name`).
    static func apply(client: KubeClient, dataDir: String) async throws -> String? {
        let directory = try locate()
        var objects: [JSONValue] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory).filter({ $0.hasSuffix(".yaml") }).sorted() {
            let path = (directory as NSString).appendingPathComponent(file)
            do {
                objects += try YAMLReader.documents(String(contentsOfFile: path, encoding: .utf8)).filter { $0 != .null }
            } catch {
                throw SampleError(description: "\(path): \(error)")
            }
        }
        // Namespaces first, the route last, so the operator's first look finds its references.
        let order = ["Namespace": 0, "SemanticRoute": 2]
        objects.sort { order[$0["kind"]?.stringValue ?? "", default: 1] < order[$1["kind"]?.stringValue ?? "", default: 1] }
        let route = objects.first { $0["kind"] == "SemanticRoute" }.flatMap { r -> String? in
            guard let ns = r[path: "metadata", "namespace"]?.stringValue, let name = r[path: "metadata", "name"]?.stringValue else { return nil }
            return RouteLabels.routeValue(namespace: ns, name: name)
        }
        let markerPath = (dataDir as NSString).appendingPathComponent(marker)
        if FileManager.default.fileExists(atPath: markerPath) {
            DevConsole.say("sample (\(folder)) applied on an earlier start; not applying again (delete \(markerPath) to re-apply)")
            return route
        }
        for object in objects {
            let kind = object["kind"]?.stringValue ?? "?"
            let namespace = object[path: "metadata", "namespace"]?.stringValue
            let name = object[path: "metadata", "name"]?.stringValue ?? "?"
            guard let resource = ManagedKinds.resource(of: object) else {
                throw SampleError(description: "\(folder): kind \(kind) is not one semroute dev applies")
            }
            do {
                _ = try await client.create(resource, namespace: namespace, object)
            } catch KubeError.alreadyExists {
                continue
            } catch {
                throw SampleError(description: "\(folder): could not create \(kind) \(namespace.map { "\($0)/" } ?? "")\(name): \(error)")
            }
        }
        try Data().write(to: URL(fileURLWithPath: markerPath))
        DevConsole.say("applied the sample: \(objects.count) objects from \(folder) (dev placeholders + SemanticRoute \(route ?? "?"))")
        return route
    }

    static func locate() throws -> String {
        var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL
        while true {
            let candidate = directory.appendingPathComponent(folder)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        throw SampleError(description: "\(folder) not found from \(FileManager.default.currentDirectoryPath): run from the repository, or pass --no-sample")
    }
}
