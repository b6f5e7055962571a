import KubeCore

/// The served resources: built-ins plus one entry per served version of each established CRD.
struct ResourceRegistry: Sendable {
    private(set) var types: [ResourceType] = BuiltinResources.all

    /// The resource served at `group/version/plural`.
    func type(group: String, version: String, plural: String) -> ResourceType? {
        types.first { $0.group == group && $0.version == version && $0.plural == plural }
    }

    /// Any served version of a resource (by store key), preferring the storage version.
    func type(storeKey: String) -> ResourceType? {
        let all = types.filter { $0.storeKey == storeKey }
        return all.first { $0.version == $0.storageVersion } ?? all.first
    }

    /// The resource for an `apiVersion` + `kind` (owner references, objects in requests).
    func type(apiVersion: String, kind: String) -> ResourceType? {
        types.first { $0.api.apiVersion == apiVersion && $0.kind == kind }
    }

    /// Served group versions, in discovery order (core first, then groups in registration order).
    var groups: [(group: String, versions: [String])] {
        var out: [(group: String, versions: [String])] = []
        for t in types where !t.group.isEmpty {
            if let i = out.firstIndex(where: { $0.group == t.group }) {
                if !out[i].versions.contains(t.version) { out[i].versions.append(t.version) }
            } else {
                out.append((t.group, [t.version]))
            }
        }
        return out
    }

    func types(group: String, version: String) -> [ResourceType] {
        types.filter { $0.group == group && $0.version == version }
    }

    /// Registers (or re-registers) the served versions of a CRD object; returns the CRD's problems, if any.
    mutating func register(crd: JSONValue) throws {
        var set = CustomResourceDefinitionSet()
        try set.add(crd)
        let name = crd[path: "metadata", "name"]?.stringValue ?? ""
        let storage = set.entries.values.first { $0.storage }?.version ?? set.entries.values.first?.version ?? ""
        types.removeAll { $0.crdName == name }
        for entry in set.servedEntries {
            var columns = [BuiltinResources.name]
            for c in entry.additionalPrinterColumns {
                guard let n = c["name"]?.stringValue, let path = c["jsonPath"]?.stringValue else { continue }
                columns.append(.init(name: n, type: c["type"]?.stringValue ?? "string", format: c["format"]?.stringValue,
                                     description: c["description"]?.stringValue ?? "", priority: Int(c["priority"]?.intValue ?? 0),
                                     value: .jsonPath(path)))
            }
            if entry.additionalPrinterColumns.isEmpty {
                columns.append(.init(name: "Age", type: "date", description: BuiltinResources.age.description,
                                     priority: 0, value: .jsonPath(".metadata.creationTimestamp")))
            }
            var scale: ResourceType.ScaleMapping?
            if let s = entry.subresources?["scale"], let spec = s["specReplicasPath"]?.stringValue,
               let status = s["statusReplicasPath"]?.stringValue {
                scale = .init(specReplicasPath: spec, statusReplicasPath: status,
                              labelSelectorPath: s["labelSelectorPath"]?.stringValue)
            }
            types.append(ResourceType(
                api: APIResource(group: entry.group, version: entry.version, plural: entry.plural, kind: entry.kind,
                                 namespaced: entry.scope == .namespaced),
                singular: entry.singular, shortNames: entry.shortNames, categories: entry.categories,
                hasStatus: entry.hasStatusSubresource, scale: scale, columns: columns, tracksGeneration: true,
                validator: entry.validator, schema: entry.schema, crdName: name, storageVersion: storage))
        }
    }

    mutating func unregister(crdName: String) {
        types.removeAll { $0.crdName == crdName }
    }
}
