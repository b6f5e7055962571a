import KubeClient
import KubeCore
import KubeRuntime
import Logging

extension RouteReconciler {
    /// Adds the finalizer when a rendered object cannot carry an owner reference and the route lacks it.
    /// Returns whether it wrote (the reconcile then requeues, to go on from the route the watch delivers).
    func addFinalizerIfNeeded(_ raw: JSONValue, prepared: [(ObjectRef, JSONValue)],
                              logger: Logger) async throws(ReconcileError) -> Bool {
        guard RouteFinalizer.needed(prepared), !RouteFinalizer.has(raw) else { return false }
        do {
            _ = try await writer.setFinalizers(namespace: raw[path: "metadata", "namespace"]?.stringValue ?? "",
                                               name: raw[path: "metadata", "name"]?.stringValue ?? "",
                                               RouteFinalizer.finalizers(of: raw, adding: true),
                                               resourceVersion: raw[path: "metadata", "resourceVersion"]?.stringValue)
        } catch {
            await emit(raw, .warning, reason: "FinalizerFailed", action: "AddFinalizer", note: error.description)
            throw ReconcileError([error])
        }
        logger.debug("finalizer added")
        return true
    }

    /// Deletion: remove what owner references cannot, then let the route go.
    func finalize(_ raw: JSONValue, routeLabel: String, logger: Logger) async throws(ReconcileError) -> ReconcileAction {
        guard RouteFinalizer.has(raw) else { return .awaitChange }
        let namespace = raw[path: "metadata", "namespace"]?.stringValue ?? ""
        let name = raw[path: "metadata", "name"]?.stringValue ?? ""
        let cleanup = RouteFinalizer.cleanup(
            routeLabel: routeLabel,
            managed: snapshot.managedObjects(routeLabel: routeLabel) + (seesEveryRoute ? snapshot.managedClientTrafficPolicies() : []),
            routes: snapshot.routes(), deleting: raw)
        var failures: [KubeError] = []
        for key in cleanup {
            do {
                try await writer.delete(key)
                logger.debug("deleted on cleanup", metadata: ["object": "\(key)"])
            } catch {
                failures.append(error)
                await emit(raw, .warning, reason: "CleanupFailed", action: "Cleanup", note: "\(key): \(error.detailedMessage)")
            }
        }
        guard failures.isEmpty else { throw ReconcileError(failures) }
        do {
            _ = try await writer.setFinalizers(namespace: namespace, name: name,
                                               RouteFinalizer.finalizers(of: raw, adding: false),
                                               resourceVersion: raw[path: "metadata", "resourceVersion"]?.stringValue)
        } catch {
            if case .notFound = error { return .awaitChange }
            await emit(raw, .warning, reason: "FinalizerFailed", action: "Cleanup", note: error.description)
            throw ReconcileError([error])
        }
        await emit(raw, .normal, reason: "CleanedUp", action: "Cleanup",
                   note: "deleted \(cleanup.count) object(s) outside owner-reference garbage collection")
        return .awaitChange
    }
}
