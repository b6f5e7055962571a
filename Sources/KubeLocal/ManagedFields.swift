import KubeCore

/// `metadata.managedFields`: which manager owns which fields, kept as kube-apiserver keeps them.
struct ManagedFields: Sendable {
    struct Entry: Sendable {
        var manager: String
        var operation: String
        var apiVersion: String
        var time: String
        var subresource: String?
        var fields: FieldSet

        var json: JSONValue {
            var o: JSONValue = ["manager": .string(manager), "operation": .string(operation),
                                 "apiVersion": .string(apiVersion), "time": .string(time), "fieldsType": "FieldsV1",
                                 "fieldsV1": fields.fieldsV1]
            if let subresource { o["subresource"] = .string(subresource) }
            return o
        }

        init(manager: String, operation: String, apiVersion: String, time: String, subresource: String?, fields: FieldSet) {
            self.manager = manager
            self.operation = operation
            self.apiVersion = apiVersion
            self.time = time
            self.subresource = subresource
            self.fields = fields
        }

        init?(json: JSONValue) {
            guard let manager = json["manager"]?.stringValue, let operation = json["operation"]?.stringValue else { return nil }
            self.init(manager: manager, operation: operation, apiVersion: json["apiVersion"]?.stringValue ?? "",
                      time: json["time"]?.stringValue ?? "", subresource: json["subresource"]?.stringValue,
                      fields: FieldSet(fieldsV1: json["fieldsV1"] ?? .object(JSONObject())))
        }
    }

    var entries: [Entry]

    init(of object: JSONValue?) {
        entries = (object?[path: "metadata", "managedFields"]?.arrayValue ?? []).compactMap(Entry.init(json:))
    }

    var json: JSONValue { .array(entries.filter { !$0.fields.paths.isEmpty }.map(\.json)) }

    func store(in object: inout JSONValue) {
        let value = json
        object["metadata"]?["managedFields"] = value.arrayValue?.isEmpty == false ? value : nil
    }

    /// After a create/update/patch (`Update` operations): the manager takes the fields it changed, others lose
    /// them, and fields no longer present leave every manager. Server-side apply maintains its own entries.
    static func record(old: JSONValue?, new: JSONValue, manager: String?, operation: String,
                       subresource: WriteOptions.Subresource, apiVersion: String, hasStatus: Bool,
                       lists: FieldSet.Lists = .byName) -> JSONValue {
        if operation == "Apply" { return new }
        var out = new
        var managed = ManagedFields(of: old)
        let statusOnly = subresource == .status
        let newSet = FieldSet(of: new, includeStatus: !hasStatus || statusOnly, statusOnly: statusOnly, lists: lists)
        let allNew = FieldSet(of: new, includeStatus: true, lists: lists)
        let changed = newSet.paths.filter { path in
            old.map { FieldSet.value(at: path, in: $0) != FieldSet.value(at: path, in: new) } ?? true
        }
        for i in managed.entries.indices {
            managed.entries[i].fields.paths = managed.entries[i].fields.paths.filter { path in
                allNew.paths.contains(path) || allNew.paths.contains(where: { $0.starts(with: path) })
            }
            if managed.entries[i].manager != manager || managed.entries[i].operation != "Update" {
                managed.entries[i].fields.paths.subtract(changed)
            }
        }
        let name = manager ?? "unknown"
        let sub = statusOnly ? "status" : nil
        if !changed.isEmpty {
            let now = Timestamp.string(Timestamp.now())
            if let i = managed.entries.firstIndex(where: { $0.manager == name && $0.operation == "Update" && $0.subresource == sub }) {
                managed.entries[i].fields.paths.formUnion(changed)
                managed.entries[i].time = now
                managed.entries[i].apiVersion = apiVersion
            } else {
                managed.entries.append(Entry(manager: name, operation: "Update", apiVersion: apiVersion, time: now,
                                             subresource: sub, fields: FieldSet(Set(changed))))
            }
        }
        managed.store(in: &out)
        return out
    }
}
