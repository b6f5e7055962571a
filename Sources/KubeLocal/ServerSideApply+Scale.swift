import KubeCore

extension ServerSideApply {
    /// Server-side apply of an `autoscaling/v1` Scale to the `scale` subresource: the Scale's `spec.replicas` is
    /// written through the resource's `specReplicasPath`, and the manager takes ownership of that field of the
    /// parent object (a `managedFields` entry with `subresource: scale`), as kube-apiserver records it. Another
    /// manager owning the field with a different value is a 409 unless `force`.
    static func applyScale(applied: JSONValue, to current: JSONValue, manager: String, force: Bool,
                           type: ResourceType) throws(APIError) -> JSONValue {
        guard case .object = applied else { throw .badRequest("the applied configuration must be an object") }
        if let av = applied["apiVersion"]?.stringValue, av != "autoscaling/v1" {
            throw .badRequest("apiVersion \"\(av)\" in the applied configuration does not match \"autoscaling/v1\"")
        }
        if let kind = applied["kind"]?.stringValue, kind != "Scale" {
            throw .badRequest("kind \"\(kind)\" in the applied configuration does not match \"Scale\"")
        }
        let specPath = type.scale!.specReplicasPath
        // The field in the parent's vocabulary (`f:spec`, `f:replicas` for `.spec.replicas`).
        var shape = JSONValue.object(JSONObject())
        JSONPath.set(specPath, to: 0, in: &shape)
        let owned = FieldSet(of: shape, includeStatus: false)
        guard let path = owned.paths.first else {
            throw .internalError("the scale subresource of \(type.storeKey) has no spec replicas path")
        }
        // Validation and the resourceVersion precondition are the Scale update's.
        let updated = try APIResponder.applyScale(applied, to: current, type: type)
        var managed = ManagedFields(of: current)
        let isSelf = { (e: ManagedFields.Entry) in e.manager == manager && e.operation == "Apply" && e.subresource == "scale" }
        let newValue = JSONPath.first(specPath, in: updated)
        var conflicts: [Conflict] = []
        if JSONPath.first(specPath, in: current) != newValue {
            for entry in managed.entries where !isSelf(entry) && entry.fields.paths.contains(path) {
                conflicts.append((Self.describe(entry), path))
            }
        }
        if !conflicts.isEmpty && !force { throw conflictError(conflicts) }
        // With force the applier takes the field from the others; without conflicts, same-valued owners share it.
        if force {
            for i in managed.entries.indices where !isSelf(managed.entries[i]) { managed.entries[i].fields.paths.remove(path) }
        }
        let now = Timestamp.string(Timestamp.now())
        if let i = managed.entries.firstIndex(where: isSelf) {
            managed.entries[i].fields = owned
            managed.entries[i].time = now
        } else {
            managed.entries.append(.init(manager: manager, operation: "Apply", apiVersion: type.api.apiVersion, time: now,
                                         subresource: "scale", fields: owned))
        }
        var out = updated
        managed.store(in: &out)
        return out
    }
}
