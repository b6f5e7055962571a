import KubeCore

/// kube-apiserver keeps one kind of Event and serves it twice: as core `v1` Events and as `events.k8s.io/v1`
/// Events, converting field by field. KubeLocal stores the core form (the events.k8s.io resource shares its
/// store) and converts on every read and write of the events.k8s.io view, so an Event recorded by the operator
/// through `events.k8s.io/v1` shows in `kubectl get events` and `kubectl describe`, as on a cluster.
enum EventConversion {
    /// events.k8s.io/v1 field ↔ core v1 field, where the names differ.
    static let renamed: [(eventsV1: String, core: String)] = [
        ("regarding", "involvedObject"), ("note", "message"), ("reportingController", "reportingComponent"),
        ("deprecatedSource", "source"), ("deprecatedFirstTimestamp", "firstTimestamp"),
        ("deprecatedLastTimestamp", "lastTimestamp"), ("deprecatedCount", "count"),
    ]

    /// The fields a field selector may name on core Events (kube-apiserver's event field set).
    static let coreSelectableFields = [
        "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
        "reason", "reportingComponent", "source", "type",
    ]

    /// events.k8s.io/v1 selector names mapped to the core fields they select on.
    static func coreSelectorField(_ field: String) -> String {
        for (v1, core) in renamed {
            if field == v1 { return core }
            if field.hasPrefix(v1 + ".") { return core + field.dropFirst(v1.count) }
        }
        return field
    }

    /// A stored (core) Event as events.k8s.io/v1 serves it.
    static func eventsV1(from core: JSONValue) -> JSONValue {
        rename(core, apiVersion: "events.k8s.io/v1") { name in renamed.first { $0.core == name }?.eventsV1 }
    }

    /// An events.k8s.io/v1 Event in its stored (core) form.
    static func core(from eventsV1: JSONValue) -> JSONValue {
        rename(eventsV1, apiVersion: "v1") { name in renamed.first { $0.eventsV1 == name }?.core }
    }

    private static func rename(_ event: JSONValue, apiVersion: String, _ newName: (String) -> String?) -> JSONValue {
        guard case .object(let fields) = event else { return event }
        var out = JSONObject()
        for (key, value) in fields {
            let name = newName(key) ?? key
            // The core form's empty placeholders (`source: {}`, null timestamps) have no events.k8s.io counterpart.
            if apiVersion != "v1", name.hasPrefix("deprecated"), value == .null || value == .object(JSONObject()) { continue }
            out[name] = value
        }
        out["apiVersion"] = .string(apiVersion)
        return .object(out)
    }
}
