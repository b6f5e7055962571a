import Foundation
import KubeCore

extension ObjectStore {
    /// POST: a new object. Names come from `metadata.name` or `generateName`; the namespace must exist.
    func create(_ type: ResourceType, namespace: String?, object: JSONValue,
                options: WriteOptions) throws(APIError) -> WriteResult {
        guard case .object = object else { throw .badRequest("the body of the request must be a JSON object") }
        var candidate = object
        if type.namespaced {
            guard let namespace else { throw .badRequest("a namespace is required to create \(type.plural)") }
            if let ns = candidate[path: "metadata", "namespace"]?.stringValue, !ns.isEmpty, ns != namespace {
                throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            guard let nsObject = objects["namespaces"]?[Self.objectKey(nil, namespace)] else {
                throw .notFound("namespaces", group: "", name: namespace)
            }
            if nsObject[path: "metadata", "deletionTimestamp"] != nil {
                let name = candidate[path: "metadata", "name"]?.stringValue ?? ""
                throw .forbidden(type.plural, group: type.group, name: name,
                                 why: "unable to create new content in namespace \(namespace) because it is being terminated")
            }
            if candidate["metadata"] == nil { candidate["metadata"] = .object(JSONObject()) }
            candidate["metadata"]?["namespace"] = .string(namespace)
        } else if candidate["metadata"]?["namespace"] != nil {
            candidate["metadata"]?["namespace"] = nil
        }
        if candidate["metadata"] == nil { candidate["metadata"] = .object(JSONObject()) }
        var name = candidate[path: "metadata", "name"]?.stringValue ?? ""
        if name.isEmpty, let prefix = candidate[path: "metadata", "generateName"]?.stringValue, !prefix.isEmpty {
            let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
            name = prefix + String((0..<5).map { _ in alphabet.randomElement()! })
            candidate["metadata"]?["name"] = .string(name)
        }
        if name.isEmpty {
            throw .invalid(kind: type.kind, group: type.group, name: "",
                           errors: [.required("metadata.name", "name or generateName is required")])
        }
        let key = Self.objectKey(type.namespaced ? namespace : nil, name)
        if objects[type.storeKey]?[key] != nil { throw .alreadyExists(type.plural, group: type.group, name: name) }
        for field in ["uid", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] {
            candidate["metadata"]?[field] = nil
        }
        candidate["metadata"]?["uid"] = .string(UUID().uuidString.lowercased())
        candidate["metadata"]?["creationTimestamp"] = .string(Timestamp.string(Timestamp.now()))
        if type.hasStatus {
            candidate["status"] = type.isCustom ? nil : .object(JSONObject())
        }
        var (prepared, warnings) = try admit(type, name: name, old: nil, candidate: candidate, options: options)
        if type.tracksGeneration { prepared["metadata"]?["generation"] = 1 }
        if type.storeKey == "namespaces" {
            prepared["spec"] = ["finalizers": ["kubernetes"]]
            prepared["status"] = ["phase": "Active"]
        }
        // The API server's defaults for what kubectl shows: a Secret's type, a Service's type (no IP is allocated).
        if type.storeKey == "secrets", prepared["type"]?.stringValue?.isEmpty ?? true {
            prepared["type"] = "Opaque"
        }
        if type.storeKey == "services", prepared["spec"]?["type"] == nil {
            prepared["spec"]?["type"] = "ClusterIP"
        }
        if type.storeKey == "customresourcedefinitions.apiextensions.k8s.io" {
            prepared = try establish(crd: prepared, dryRun: options.dryRun)
        }
        prepared = ManagedFields.record(old: nil, new: prepared, manager: options.fieldManager, operation: options.operation,
                                        subresource: options.subresource, apiVersion: type.api.apiVersion, hasStatus: type.hasStatus,
                                        lists: .of(type))
        if options.dryRun { return WriteResult(object: Self.converted(prepared, to: type), warnings: warnings, created: true) }
        prepared["metadata"]?["resourceVersion"] = .string(String(nextRevision()))
        objects[type.storeKey, default: [:]][key] = prepared
        emit(.added, storeKey: type.storeKey, object: prepared, previous: nil)
        logger.debug("created", metadata: ["k8s.resource": "\(type.storeKey)", "k8s.namespace": "\(namespace ?? "")", "k8s.name": "\(name)"])
        return WriteResult(object: Self.converted(prepared, to: type), warnings: warnings, created: true)
    }

    /// PUT (and the last step of PATCH): replaces the object, or only its status for `/status`. A stale
    /// `metadata.resourceVersion` is a 409. An update that changes nothing keeps the resourceVersion.
    func update(_ type: ResourceType, namespace: String?, name: String, object: JSONValue,
                options: WriteOptions) throws(APIError) -> WriteResult {
        guard case .object = object else { throw .badRequest("the body of the request must be a JSON object") }
        let key = Self.objectKey(type.namespaced ? namespace : nil, name)
        guard let old = objects[type.storeKey]?[key] else { throw .notFound(type.plural, group: type.group, name: name) }
        if let bodyName = object[path: "metadata", "name"]?.stringValue, bodyName != name {
            throw .badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        if let rv = object[path: "metadata", "resourceVersion"]?.stringValue, !rv.isEmpty,
           rv != old[path: "metadata", "resourceVersion"]?.stringValue {
            throw .conflict(type.plural, group: type.group, name: name)
        }
        if let uid = object[path: "metadata", "uid"]?.stringValue, !uid.isEmpty,
           uid != old[path: "metadata", "uid"]?.stringValue {
            throw .conflict(type.plural, group: type.group, name: name,
                            why: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(old[path: "metadata", "uid"]?.stringValue ?? "")")
        }
        var candidate: JSONValue
        switch options.subresource {
        case .status:
            candidate = old
            candidate["status"] = object["status"]
        case .main:
            candidate = object
            if candidate["metadata"] == nil { candidate["metadata"] = .object(JSONObject()) }
            if type.hasStatus { candidate["status"] = old["status"] }
        }
        for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation",
                      "namespace", "name"] {
            candidate["metadata"]?[field] = old[path: "metadata", field]
        }
        if old[path: "metadata", "deletionTimestamp"] != nil {
            let before = Set(old[path: "metadata", "finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let after = candidate[path: "metadata", "finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if after.contains(where: { !before.contains($0) }) {
                throw .invalid(kind: type.kind, group: type.group, name: name, errors: [
                    .forbidden("metadata.finalizers", "no new finalizers can be added if the object is being deleted"),
                ])
            }
        }
        var (prepared, warnings) = try admit(type, name: name, old: old, candidate: candidate, options: options)
        if type.tracksGeneration, Self.specChanged(old, prepared, ignoringStatus: type.hasStatus) {
            prepared["metadata"]?["generation"] = .int((old[path: "metadata", "generation"]?.intValue ?? 0) + 1)
        }
        if type.storeKey == "customresourcedefinitions.apiextensions.k8s.io" {
            prepared = try establish(crd: prepared, dryRun: options.dryRun)
        }
        prepared = ManagedFields.record(old: old, new: prepared, manager: options.fieldManager,
                                        operation: options.operation, subresource: options.subresource,
                                        apiVersion: type.api.apiVersion, hasStatus: type.hasStatus, lists: .of(type))
        prepared["metadata"]?["resourceVersion"] = old[path: "metadata", "resourceVersion"]
        if Self.sameIgnoringManagedTimes(old, prepared) || options.dryRun {
            return WriteResult(object: Self.converted(options.dryRun ? prepared : old, to: type), warnings: warnings)
        }
        prepared["metadata"]?["resourceVersion"] = .string(String(nextRevision()))
        objects[type.storeKey]![key] = prepared
        emit(.modified, storeKey: type.storeKey, object: prepared, previous: old)
        if prepared[path: "metadata", "deletionTimestamp"] != nil {
            finalizeIfReady(type, key: key)
        }
        return WriteResult(object: Self.converted(prepared, to: type), warnings: warnings)
    }

    /// PATCH and server-side apply: `patch` turns the current object (nil when absent) into the new one inside
    /// the store, so nothing can change in between. Apply creates the object when it does not exist.
    func patch(_ type: ResourceType, namespace: String?, name: String, options: WriteOptions,
               _ patch: @Sendable (JSONValue?) throws(APIError) -> JSONValue) throws(APIError) -> WriteResult {
        let key = Self.objectKey(type.namespaced ? namespace : nil, name)
        let old = objects[type.storeKey]?[key].map { Self.converted($0, to: type) }
        if old == nil && options.operation != "Apply" { throw .notFound(type.plural, group: type.group, name: name) }
        var patched = try patch(old)
        guard case .object = patched else { throw .badRequest("the patched object is not a JSON object") }
        if let old {
            if patched[path: "metadata", "resourceVersion"] == nil {
                patched["metadata"]?["resourceVersion"] = old[path: "metadata", "resourceVersion"]
            }
            return try update(type, namespace: namespace, name: name, object: patched, options: options)
        }
        if patched["metadata"] == nil { patched["metadata"] = .object(JSONObject()) }
        patched["metadata"]?["name"] = .string(name)
        return try create(type, namespace: namespace, object: patched, options: options)
    }

    /// Validation, pruning and defaulting for CRs; metadata checks for every type.
    func admit(_ type: ResourceType, name: String, old: JSONValue?, candidate: JSONValue,
               options: WriteOptions) throws(APIError) -> (JSONValue, [String]) {
        var object = candidate
        object["apiVersion"] = .string(type.group.isEmpty ? type.storageVersion : "\(type.group)/\(type.storageVersion)")
        object["kind"] = .string(type.kind)
        if type.isEventsV1View { object = EventConversion.core(from: object) }
        var warnings: [String] = []
        var errors: [FieldError] = []
        if old == nil {
            let valid = type.storeKey == "namespaces" ? DNSName.isLabel(name) : DNSName.isSubdomain(name)
            if !valid {
                errors.append(.invalid("metadata.name", "\"\(name)\"",
                                       type.storeKey == "namespaces" ? DNSName.labelMessage : DNSName.subdomainMessage))
            }
        }
        for (field, value) in object[path: "metadata", "labels"]?.objectValue ?? JSONObject() where value.stringValue == nil {
            errors.append(.invalid(FieldPath("metadata.labels").child(field), FieldError.render(value), "must be a string"))
        }
        if let validator = type.validator {
            // Non-nullable nulls go first, as if absent (kube-apiserver drops them before pruning and defaulting).
            let (pruned, removed) = validator.pruned(validator.droppingNonNullableNulls(object))
            if !removed.isEmpty {
                let unknown = removed.map { "unknown field \"\($0)\"" }
                switch options.fieldValidation {
                case .strict:
                    throw .badRequest("\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): strict decoding error: "
                                      + unknown.joined(separator: ", "))
                case .warn: warnings += unknown
                case .ignore: break
                }
            }
            object = validator.applyingDefaults(pruned)
            errors += validator.validate(object).filter { $0.kind != .unknownField }
        }
        if !errors.isEmpty { throw .invalid(kind: type.kind, group: type.group, name: name, errors: errors) }
        return (object, warnings)
    }

    /// Whether anything but metadata (and status, when it is a subresource) differs.
    static func specChanged(_ a: JSONValue, _ b: JSONValue, ignoringStatus: Bool) -> Bool {
        func strip(_ v: JSONValue) -> JSONValue {
            var o = v
            o["metadata"] = nil
            o["apiVersion"] = nil
            if ignoringStatus { o["status"] = nil }
            return o
        }
        return strip(a) != strip(b)
    }

    static func sameIgnoringManagedTimes(_ a: JSONValue, _ b: JSONValue) -> Bool {
        func strip(_ v: JSONValue) -> JSONValue {
            var o = v
            o["metadata"]?["managedFields"] = nil
            return o
        }
        return strip(a) == strip(b)
    }
}
