import KubeClient
import KubeCore

/// What reconcile writes, through the API server.
public protocol ClusterWriter: Sendable {
    /// GET; nil when the object does not exist.
    func get(_ key: ObjectRef) async throws(KubeError) -> JSONValue?
    /// Server-side apply with field manager `semroute` and `force`.
    func apply(_ key: ObjectRef, _ body: JSONValue) async throws(KubeError) -> JSONValue
    /// DELETE (background propagation); an object that is already gone is not an error.
    func delete(_ key: ObjectRef) async throws(KubeError)
    /// Sets the route's `metadata.finalizers`, failing with a conflict if `resourceVersion` is stale.
    func setFinalizers(namespace: String, name: String, _ finalizers: [String], resourceVersion: String?)
        async throws(KubeError) -> JSONValue
    /// Removes one annotation from the route if it still has `value` (a JSON patch: test, then remove), so a
    /// command a user wrote after the operator read the route is not lost.
    func removeAnnotation(namespace: String, name: String, key: String, ifValue value: String) async throws(KubeError)
    /// Writes the route's status through the status subresource.
    func writeStatus(namespace: String, name: String, _ status: JSONValue) async throws(KubeError) -> JSONValue
}
