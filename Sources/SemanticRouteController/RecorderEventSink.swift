import KubeRuntime

/// ``RouteEventSink`` over KubeRuntime's events.k8s.io/v1 recorder (which de-duplicates repeats).
struct RecorderEventSink: RouteEventSink {
    let recorder: EventRecorder

    func record(_ event: RouteEvent) async {
        let regarding = EventRecorder.Regarding(apiVersion: ManagedKinds.semanticRoutes.apiVersion, kind: "SemanticRoute",
                                                namespace: event.namespace, name: event.name, uid: event.uid)
        await recorder.record(event.type == .normal ? .normal : .warning, regarding: regarding, reason: event.reason,
                              action: event.action, note: event.note)
    }
}
