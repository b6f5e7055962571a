import KubeCore
import SemanticRouteRender

/// Decides, per rendered object, whether to apply it, and which live objects to prune. Pure: reads a
/// snapshot of the stores through a lookup function.
///
/// The no-op decision needs two checks: every desired field is present and equal in the live object (a hand
/// edit or deletion is caught), and the live object carries the hash of exactly this desired object in
/// ``appliedHashKey`` (so a field we *stopped* sending — say `spec.hostnames` removed from the route — is
/// also caught: server-side apply removes it once we apply without it).
public struct ApplyPlanner: Sendable {
    public static let appliedHashKey = "semroute.io/applied-hash"

    /// The label value of the route being reconciled (`<ns>.<route>`).
    public var routeLabel: String

    public init(routeLabel: String) { self.routeLabel = routeLabel }

    /// The rendered objects as semroute applies them: the applied-hash annotation added (the hash of the
    /// object without it).
    public func prepared(_ desired: [DesiredObject]) -> [(ObjectRef, JSONValue)] {
        desired.map { object in
            let key = ObjectRef(apiVersion: object.apiVersion, kind: object.kind, namespace: object.namespace,
                                name: object.name)
            guard case .object(var body) = object.body, case .object(var meta)? = body["metadata"] else {
                return (key, object.body)
            }
            let hash = StableHash.hex64(JSONWriter.string(object.body))
            var annotations = meta["annotations"]?.objectValue ?? JSONObject()
            annotations[Self.appliedHashKey] = .string(hash)
            meta["annotations"] = .object(annotations)
            body["metadata"] = .object(meta)
            return (key, .object(body))
        }
    }

    /// The ClientTrafficPolicy `semroute-<gateway>` is shared by every route attached to that Gateway (render
    /// makes it route-neutral: no route label, no owner reference).
    public static func isShared(_ key: ObjectRef) -> Bool {
        key.kind == "ClientTrafficPolicy" && key.group == "gateway.envoyproxy.io"
    }

    /// One plan per prepared object. `live` returns the object from the stores (nil: not in them);
    /// `userClientTrafficPolicy` names a ClientTrafficPolicy not managed by semroute that already targets the
    /// route's Gateway (it wins; ours is not applied).
    public func plan(_ prepared: [(ObjectRef, JSONValue)], live: (ObjectRef) -> JSONValue?,
                     userClientTrafficPolicy: ObjectRef? = nil) -> [ApplyPlan] {
        prepared.map { key, body in
            if Self.isShared(key), let user = userClientTrafficPolicy {
                return ApplyPlan(key: key, body: body, action: .skip(
                    "the Gateway already has the ClientTrafficPolicy \(user.namespace)/\(user.name), which is not managed by semroute and wins over \(key.name); make sure its connection.bufferLimit fits whole request bodies"))
            }
            guard let current = live(key) else { return ApplyPlan(key: key, body: body, action: .checkThenApply) }
            return ApplyPlan(key: key, body: body, action: action(for: key, body: body, live: current))
        }
    }

    /// The decision for an object known to exist.
    public func action(for key: ObjectRef, body: JSONValue, live: JSONValue) -> ApplyPlan.Action {
        let labels = Self.labels(live)
        let ours = Self.isShared(key) ? RouteLabels.isManaged(labels) : RouteLabels.belongs(labels, to: routeLabel)
        guard ours else { return .nameConflict }
        return FieldSubset.contains(live, Self.withoutTypeFields(body)) ? .unchanged : .apply
    }

    /// The body without `apiVersion` and `kind`: the store lookup already matched the type by key, and a real
    /// API server leaves both off the items of built-in lists, so comparing them would re-apply objects that
    /// have not changed.
    static func withoutTypeFields(_ body: JSONValue) -> JSONValue {
        guard case .object(var object) = body else { return body }
        object["apiVersion"] = nil
        object["kind"] = nil
        return .object(object)
    }

    /// Live objects of this route (by label) that are no longer rendered. Never an object without our labels,
    /// never another route's, never the shared ClientTrafficPolicy (see ``SharedPolicyPlanner``).
    public func prune(desired: [ObjectRef], live: [JSONValue]) -> [ObjectRef] {
        let keep = Set(desired)
        return live.compactMap { object -> ObjectRef? in
            guard let key = ObjectRef(object), !Self.isShared(key),
                  RouteLabels.belongs(Self.labels(object), to: routeLabel),
                  object[path: "metadata", "deletionTimestamp"] == nil,
                  !keep.contains(key) else { return nil }
            return key
        }.sorted()
    }

    static func labels(_ object: JSONValue) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in object[path: "metadata", "labels"]?.objectValue ?? JSONObject() {
            if let s = v.stringValue { out[k] = s }
        }
        return out
    }
}
