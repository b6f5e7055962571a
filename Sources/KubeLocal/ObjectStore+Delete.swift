import Foundation
import KubeCore

/// `DeleteOptions` as sent in the body or query of a DELETE.
struct DeleteOptions: Sendable {
    enum Propagation: String, Sendable {
        case background = "Background"
        case foreground = "Foreground"
        case orphan = "Orphan"
    }

    var propagation: Propagation = .background
    var preconditionUID: String?
    var preconditionResourceVersion: String?
    var dryRun = false
}

extension ObjectStore {
    static let foregroundFinalizer = "foregroundDeletion"
    static let orphanFinalizer = "orphan"

    /// DELETE: removes the object, or — when finalizers (or a foreground deletion) hold it — marks it with
    /// `deletionTimestamp` and returns it. Dependents are collected by owner reference per the propagation policy.
    func delete(_ type: ResourceType, namespace: String?, name: String,
                options: DeleteOptions) throws(APIError) -> (object: JSONValue, removed: Bool) {
        let key = Self.objectKey(type.namespaced ? namespace : nil, name)
        guard var object = objects[type.storeKey]?[key] else { throw .notFound(type.plural, group: type.group, name: name) }
        if let uid = options.preconditionUID, uid != object[path: "metadata", "uid"]?.stringValue {
            throw .conflict(type.plural, group: type.group, name: name,
                            why: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(object[path: "metadata", "uid"]?.stringValue ?? "")")
        }
        if let rv = options.preconditionResourceVersion, rv != object[path: "metadata", "resourceVersion"]?.stringValue {
            throw .conflict(type.plural, group: type.group, name: name,
                            why: "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(object[path: "metadata", "resourceVersion"]?.stringValue ?? "")")
        }
        if options.dryRun { return (Self.converted(object, to: type), false) }
        if object[path: "metadata", "deletionTimestamp"] != nil {
            return (Self.converted(object, to: type), false)
        }
        var finalizers = object[path: "metadata", "finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if options.propagation == .foreground && !dependents(of: object).isEmpty && !finalizers.contains(Self.foregroundFinalizer) {
            finalizers.append(Self.foregroundFinalizer)
        }
        if options.propagation == .orphan { orphanDependents(of: object) }
        if type.storeKey == "namespaces" {
            let previous = object
            object["metadata"]?["deletionTimestamp"] = .string(Timestamp.string(Timestamp.now()))
            object["status"] = ["phase": "Terminating"]
            object["metadata"]?["resourceVersion"] = .string(String(nextRevision()))
            objects[type.storeKey]![key] = object
            emit(.modified, storeKey: type.storeKey, object: object, previous: previous)
            purgeNamespace(name)
            finalizeIfReady(type, key: key)
            return (Self.converted(objects[type.storeKey]?[key] ?? object, to: type), objects[type.storeKey]?[key] == nil)
        }
        if finalizers.isEmpty {
            let removedObject = remove(type.storeKey, key: key, propagation: options.propagation)
            return (Self.converted(removedObject, to: type), true)
        }
        let previous = object
        object["metadata"]?["finalizers"] = .array(finalizers.map(JSONValue.string))
        object["metadata"]?["deletionTimestamp"] = .string(Timestamp.string(Timestamp.now()))
        object["metadata"]?["deletionGracePeriodSeconds"] = 0
        if type.tracksGeneration {
            let generation = (object[path: "metadata", "generation"]?.intValue ?? 0) + 1
            object["metadata"]?["generation"] = .int(generation)
        }
        object["metadata"]?["resourceVersion"] = .string(String(nextRevision()))
        objects[type.storeKey]![key] = object
        emit(.modified, storeKey: type.storeKey, object: object, previous: previous)
        if finalizers.contains(Self.foregroundFinalizer) {
            for (depKey, depObjectKey) in dependents(of: object) {
                deleteDependent(depKey, depObjectKey, propagation: .foreground)
            }
            finalizeIfReady(type, key: key)
        }
        return (Self.converted(objects[type.storeKey]?[key] ?? object, to: type), objects[type.storeKey]?[key] == nil)
    }

    /// Removes an object now: DELETED event, then garbage collection of its dependents, owners waiting in
    /// foreground deletion, namespaces waiting to empty and, for a CRD, its custom resources.
    @discardableResult
    func remove(_ storeKey: String, key: String, propagation: DeleteOptions.Propagation = .background) -> JSONValue {
        guard var object = objects[storeKey]?.removeValue(forKey: key) else { return .null }
        object["metadata"]?["resourceVersion"] = .string(String(nextRevision()))
        emit(.deleted, storeKey: storeKey, object: object, previous: nil)
        if propagation == .orphan {
            orphanDependents(of: object)
        } else {
            for (depStore, depKey) in dependents(of: object) {
                deleteDependent(depStore, depKey, propagation: propagation)
            }
        }
        if storeKey == "customresourcedefinitions.apiextensions.k8s.io", let name = object[path: "metadata", "name"]?.stringValue {
            let kept = registry.types.first { $0.crdName == name }
            registry.unregister(crdName: name)
            if let kept {
                for k in (objects[kept.storeKey] ?? [:]).keys.sorted() { remove(kept.storeKey, key: k) }
                objects[kept.storeKey] = nil
            }
        }
        // Owners in foreground deletion may be waiting for this one.
        for ref in object[path: "metadata", "ownerReferences"]?.arrayValue ?? [] {
            guard let uid = ref["uid"]?.stringValue, let (s, k) = find(uid: uid),
                  let t = registry.type(storeKey: s) else { continue }
            finalizeIfReady(t, key: k)
        }
        if let ns = object[path: "metadata", "namespace"]?.stringValue, let nsType = registry.type(storeKey: "namespaces") {
            finalizeIfReady(nsType, key: Self.objectKey(nil, ns))
        }
        return object
    }

    /// Removes an object marked for deletion once nothing holds it: no finalizers left (after dropping
    /// `foregroundDeletion` when its dependents are gone); for namespaces, once they are empty.
    func finalizeIfReady(_ type: ResourceType, key: String) {
        guard var object = objects[type.storeKey]?[key], object[path: "metadata", "deletionTimestamp"] != nil else { return }
        if type.storeKey == "namespaces" {
            let name = object[path: "metadata", "name"]?.stringValue ?? ""
            let remaining = objects.contains { storeKey, items in
                storeKey != "namespaces" && items.keys.contains { $0.hasPrefix(name + "/") }
            }
            if !remaining { remove(type.storeKey, key: key) }
            return
        }
        var finalizers = object[path: "metadata", "finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if finalizers.contains(Self.foregroundFinalizer) && dependents(of: object).isEmpty {
            let previous = object
            finalizers.removeAll { $0 == Self.foregroundFinalizer }
            object["metadata"]?["finalizers"] = finalizers.isEmpty ? nil : .array(finalizers.map(JSONValue.string))
            if !finalizers.isEmpty {
                object["metadata"]?["resourceVersion"] = .string(String(nextRevision()))
                objects[type.storeKey]![key] = object
                emit(.modified, storeKey: type.storeKey, object: object, previous: previous)
            } else {
                objects[type.storeKey]![key] = object
            }
        }
        if finalizers.isEmpty { remove(type.storeKey, key: key) }
    }

    /// (storeKey, objectKey) of every object with an owner reference to this object's uid.
    func dependents(of owner: JSONValue) -> [(String, String)] {
        guard let uid = owner[path: "metadata", "uid"]?.stringValue else { return [] }
        var out: [(String, String)] = []
        for (storeKey, items) in objects {
            for (key, object) in items
            where object[path: "metadata", "ownerReferences"]?.arrayValue?.contains(where: { $0["uid"]?.stringValue == uid }) == true {
                out.append((storeKey, key))
            }
        }
        return out.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    func find(uid: String) -> (String, String)? {
        for (storeKey, items) in objects {
            for (key, object) in items where object[path: "metadata", "uid"]?.stringValue == uid { return (storeKey, key) }
        }
        return nil
    }

    func deleteDependent(_ storeKey: String, _ key: String, propagation: DeleteOptions.Propagation) {
        guard let object = objects[storeKey]?[key], let type = registry.type(storeKey: storeKey),
              let name = object[path: "metadata", "name"]?.stringValue else { return }
        _ = try? delete(type, namespace: object[path: "metadata", "namespace"]?.stringValue, name: name,
                        options: DeleteOptions(propagation: propagation == .foreground ? .foreground : .background))
    }

    func orphanDependents(of owner: JSONValue) {
        guard let uid = owner[path: "metadata", "uid"]?.stringValue else { return }
        for (storeKey, key) in dependents(of: owner) {
            guard var object = objects[storeKey]?[key] else { continue }
            let previous = object
            let refs = (object[path: "metadata", "ownerReferences"]?.arrayValue ?? []).filter { $0["uid"]?.stringValue != uid }
            object["metadata"]?["ownerReferences"] = refs.isEmpty ? nil : .array(refs)
            object["metadata"]?["resourceVersion"] = .string(String(nextRevision()))
            objects[storeKey]![key] = object
            emit(.modified, storeKey: storeKey, object: object, previous: previous)
        }
    }

    /// Deletes everything in a namespace being deleted (objects with finalizers stay until they are released).
    func purgeNamespace(_ namespace: String) {
        for (storeKey, items) in objects where storeKey != "namespaces" {
            guard let type = registry.type(storeKey: storeKey) else { continue }
            for (_, object) in items where object[path: "metadata", "namespace"]?.stringValue == namespace {
                guard let name = object[path: "metadata", "name"]?.stringValue else { continue }
                _ = try? delete(type, namespace: namespace, name: name, options: DeleteOptions())
            }
        }
    }

    /// DELETE on a collection: every object the selectors match, one by one.
    func deleteCollection(_ type: ResourceType, namespace: String?, labels: LabelSelector, fields: FieldSelector,
                          options: DeleteOptions) throws(APIError) -> [JSONValue] {
        let matching = try list(type, namespace: namespace, labels: labels, fields: fields, limit: nil, continueToken: nil)
        var out: [JSONValue] = []
        for object in matching.items {
            guard let name = object[path: "metadata", "name"]?.stringValue else { continue }
            out.append(try delete(type, namespace: object[path: "metadata", "namespace"]?.stringValue, name: name,
                                  options: options).object)
        }
        return out
    }

    /// Registers a CRD's versions and fills in its status like the apiextensions controllers do.
    func establish(crd: JSONValue, dryRun: Bool) throws(APIError) -> JSONValue {
        var probe = registry
        let name = crd[path: "metadata", "name"]?.stringValue ?? ""
        do {
            try probe.register(crd: crd)
        } catch {
            throw .invalid(kind: "CustomResourceDefinition", group: "apiextensions.k8s.io", name: name,
                           errors: [.invalid("spec", nil, "\(error)")])
        }
        if let group = crd[path: "spec", "group"]?.stringValue, let plural = crd[path: "spec", "names", "plural"]?.stringValue,
           name != "\(plural).\(group)" {
            throw .invalid(kind: "CustomResourceDefinition", group: "apiextensions.k8s.io", name: name,
                           errors: [.invalid("metadata.name", "\"\(name)\"", "must be spec.names.plural+\".\"+spec.group")])
        }
        if !dryRun { registry = probe }
        var out = crd
        let now = JSONValue.string(Timestamp.string(Timestamp.now()))
        let storage = crd[path: "spec", "versions"]?.arrayValue?.first { $0["storage"]?.boolValue == true }?["name"] ?? .null
        var names = crd[path: "spec", "names"] ?? .object(JSONObject())
        if names["singular"] == nil, let kind = names["kind"]?.stringValue { names["singular"] = .string(kind.lowercased()) }
        if names["listKind"] == nil, let kind = names["kind"]?.stringValue { names["listKind"] = .string(kind + "List") }
        out["status"] = [
            "acceptedNames": names,
            "conditions": [
                ["type": "NamesAccepted", "status": "True", "lastTransitionTime": now, "reason": "NoConflicts",
                 "message": "no conflicts found"],
                ["type": "Established", "status": "True", "lastTransitionTime": now, "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted"],
            ],
            "storedVersions": [storage],
        ]
        return out
    }
}
