import Foundation
import KubeCore
import Logging

/// Keeps every object in `<directory>/objects.json` (written atomically after each change, read on start), so a
/// restarted server has the same objects, uids and resourceVersions.
actor Snapshotter {
    let file: URL
    let logger: Logger

    init(directory: String, logger: Logger) {
        file = URL(fileURLWithPath: directory, isDirectory: true).appendingPathComponent("objects.json")
        self.logger = logger
    }

    func load(into store: ObjectStore) async throws {
        guard FileManager.default.fileExists(atPath: file.path) else { return }
        let data = try Data(contentsOf: file)
        let snapshot = try JSONParser.parse([UInt8](data))
        let revision = snapshot["resourceVersion"]?.intValue ?? 0
        let objects = snapshot["objects"]?.arrayValue ?? []
        await store.restore(objects: objects, revision: revision)
        logger.info("loaded snapshot", metadata: ["file": "\(file.path)", "objects": "\(objects.count)"])
    }

    func save(_ store: ObjectStore) async throws {
        let (objects, revision) = await store.snapshot()
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let value: JSONValue = ["resourceVersion": .int(revision), "objects": .array(objects)]
        try Data(JSONWriter.bytes(value)).write(to: file, options: .atomic)
    }
}

extension ObjectStore {
    /// Every object (CRDs first, so their resources exist when restoring) and the current revision.
    func snapshot() -> ([JSONValue], Int64) {
        let crdKey = "customresourcedefinitions.apiextensions.k8s.io"
        let crds = (objects[crdKey] ?? [:]).sorted { $0.key < $1.key }.map(\.value)
        let rest = objects.filter { $0.key != crdKey }.sorted { $0.key < $1.key }
            .flatMap { $0.value.sorted { $0.key < $1.key }.map(\.value) }
        return (crds + rest, revision)
    }

    /// Replaces everything with a snapshot (objects keep their metadata, including resourceVersion).
    func restore(objects list: [JSONValue], revision: Int64) {
        objects = [:]
        registry = ResourceRegistry()
        for object in list {
            guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue,
                  let name = object[path: "metadata", "name"]?.stringValue else { continue }
            if kind == "CustomResourceDefinition" { try? registry.register(crd: object) }
            guard let type = registry.types.first(where: { $0.kind == kind && ($0.group.isEmpty ? $0.version : "\($0.group)/\($0.storageVersion)") == apiVersion })
                ?? registry.type(apiVersion: apiVersion, kind: kind) else { continue }
            let ns = type.namespaced ? object[path: "metadata", "namespace"]?.stringValue : nil
            objects[type.storeKey, default: [:]][Self.objectKey(ns, name)] = object
        }
        self.revision = max(self.revision, revision)
        history = EventHistory(capacity: history.capacity)
        // Watches cannot resume across a restart: everything before the snapshot is outside the history.
        history.markCompacted(at: self.revision)
    }
}
