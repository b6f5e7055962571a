import KubeCore

/// Server-side apply (`application/apply-patch+yaml`): merges the applied configuration into the live object,
/// tracks ownership per field manager, reports conflicts with other managers (409 unless `force`), and removes
/// fields the manager applied before but no longer applies when no other manager owns them.
enum ServerSideApply {
    static func apply(applied: JSONValue, to current: JSONValue?, manager: String, force: Bool, type: ResourceType,
                      subresource: WriteOptions.Subresource) throws(APIError) -> JSONValue {
        guard case .object = applied else { throw .badRequest("the applied configuration must be an object") }
        let name = applied[path: "metadata", "name"]?.stringValue ?? current?[path: "metadata", "name"]?.stringValue ?? ""
        if let av = applied["apiVersion"]?.stringValue, av != type.api.apiVersion {
            throw .badRequest("apiVersion \"\(av)\" in the applied configuration does not match \"\(type.api.apiVersion)\"")
        }
        if let kind = applied["kind"]?.stringValue, kind != type.kind {
            throw .badRequest("kind \"\(kind)\" in the applied configuration does not match \"\(type.kind)\"")
        }
        let statusOnly = subresource == .status
        let lists = FieldSet.Lists.of(type)
        let appliedSet = FieldSet(of: applied, includeStatus: !type.hasStatus || statusOnly, statusOnly: statusOnly, lists: lists)
        var managed = ManagedFields(of: current)
        let sub = statusOnly ? "status" : nil
        // Conflicts: fields another manager owns whose live value differs from the applied one.
        var conflicts: [Conflict] = []
        if let current {
            // The scale subresource's managers own fields of the main resource (e.g. `spec.replicas`).
            for entry in managed.entries where !(entry.manager == manager && entry.operation == "Apply")
                && (entry.subresource == sub || (sub == nil && entry.subresource == "scale")) {
                for path in entry.fields.paths.intersection(appliedSet.paths).sorted(by: { $0.joined() < $1.joined() })
                where FieldSet.value(at: path, in: current) != FieldSet.value(at: path, in: applied) {
                    conflicts.append((Self.describe(entry), path))
                }
            }
        }
        if !conflicts.isEmpty && !force { throw conflictError(conflicts) }
        if force {
            for i in managed.entries.indices where !(managed.entries[i].manager == manager && managed.entries[i].operation == "Apply") {
                managed.entries[i].fields.paths.subtract(conflicts.map(\.path))
            }
        }
        var merged = current ?? .object(JSONObject())
        if statusOnly {
            merged["status"] = merge(applied["status"] ?? .null, into: merged["status"] ?? .null, lists: lists.child("status"))
        } else {
            var body = applied
            body["status"] = type.hasStatus ? nil : body["status"]
            merged = merge(body, into: merged, lists: lists)
        }
        // Fields this manager applied last time but not now, owned by nobody else, go.
        let previous = managed.entries.first { $0.manager == manager && $0.operation == "Apply" && $0.subresource == sub }?.fields ?? FieldSet()
        let others = managed.entries.filter { !($0.manager == manager && $0.operation == "Apply") }.reduce(into: Set<FieldSet.Path>()) {
            $0.formUnion($1.fields.paths)
        }
        // Deepest first; at equal depth a whole list element (`…k:{…}, .`) before its own fields, so removing its
        // key field first can never strand the rest of the element where its key no longer finds it.
        let stale = previous.paths.subtracting(appliedSet.paths).sorted { a, b in
            a.count != b.count ? a.count > b.count : (a.last == ".") && (b.last != ".")
        }
        // A stale path inside a field the apply now owns whole (an atomic list; ownership recorded before lists
        // followed the schema) is covered by that field, not removed from it.
        func insideAtomicList(_ path: FieldSet.Path) -> Bool {
            path.count > 1 && (1..<path.count).contains { n in
                let prefix = Array(path.prefix(n))
                return appliedSet.paths.contains(prefix) && FieldSet.value(at: prefix, in: applied)?.arrayValue != nil
            }
        }
        for path in stale where !others.contains(path) && !insideAtomicList(path) {
            FieldSet.remove(path, from: &merged)
        }
        let now = Timestamp.string(Timestamp.now())
        if let i = managed.entries.firstIndex(where: { $0.manager == manager && $0.operation == "Apply" && $0.subresource == sub }) {
            managed.entries[i].fields = appliedSet
            managed.entries[i].time = now
        } else {
            managed.entries.append(.init(manager: manager, operation: "Apply", apiVersion: type.api.apiVersion, time: now,
                                         subresource: sub, fields: appliedSet))
        }
        if merged["metadata"] == nil { merged["metadata"] = .object(JSONObject()) }
        if current == nil { merged["metadata"]?["name"] = .string(name) }
        managed.store(in: &merged)
        return merged
    }

    /// `manager`: the owner as kube-apiserver names it in conflict messages (see ``describe(_:)``).
    typealias Conflict = (manager: String, path: FieldSet.Path)

    /// An owner as structured-merge-diff prints it: `"name"` for an apply manager, `"name" using v1 at <time>` for
    /// an update manager, with `with subresource "status"` after the name for subresource entries.
    static func describe(_ entry: ManagedFields.Entry) -> String {
        var text = "\"\(entry.manager)\""
        if let subresource = entry.subresource, !subresource.isEmpty { text += " with subresource \"\(subresource)\"" }
        guard entry.operation == "Update" else { return text }
        return entry.time.isEmpty ? "\(text) using \(entry.apiVersion)" : "\(text) using \(entry.apiVersion) at \(entry.time)"
    }

    /// The 409 kube-apiserver answers for fields other managers own with a different value.
    static func conflictError(_ conflicts: [Conflict]) -> APIError {
        let noun = conflicts.count == 1 ? "conflict" : "conflicts"
        let detail: String
        if conflicts.count == 1 {
            let c = conflicts[0]
            detail = "conflict with \(c.manager): \(FieldSet.describe(c.path))"
        } else {
            detail = Dictionary(grouping: conflicts, by: \.manager).sorted { $0.key < $1.key }.map { m, cs in
                "conflicts with \(m):\n" + cs.map { "- \(FieldSet.describe($0.path))" }.joined(separator: "\n")
            }.joined(separator: "\n")
        }
        return APIError(code: 409, reason: "Conflict", message: "Apply failed with \(conflicts.count) \(noun): \(detail)",
                        details: .init(causes: conflicts.map {
                            .init(reason: "FieldManagerConflict", message: "conflict with \($0.manager)",
                                  field: FieldSet.describe($0.path))
                        }))
    }

    /// Structural merge: objects recursively, keyed lists by key (``FieldSet/Lists``), everything else replaced.
    static func merge(_ applied: JSONValue, into live: JSONValue, lists: FieldSet.Lists = .byName) -> JSONValue {
        switch (applied, live) {
        case (.object(let a), .object(var l)):
            for (k, v) in a {
                if k == "managedFields" { continue }
                l[k] = merge(v, into: l[k] ?? .null, lists: lists.child(k))
            }
            return .object(l)
        case (.array(let a), .array(let l)):
            guard let keys = lists.keys(a), lists.keys(l) != nil else { return applied }
            var out = l
            for item in a {
                let key = FieldSet.elementKey(item, keys)
                if let i = out.firstIndex(where: { FieldSet.elementKey($0, keys) == key }) {
                    out[i] = merge(item, into: out[i], lists: lists.items)
                } else {
                    out.append(item)
                }
            }
            return .array(out)
        default:
            return applied
        }
    }
}
