import KubeCore

/// The built-in resources KubeLocal serves, with the Table columns a real kube-apiserver v1.32 prints.
enum BuiltinResources {
    typealias Column = ResourceType.PrinterColumn

    static let all: [ResourceType] = [
        ResourceType(api: .namespaces, singular: "namespace", shortNames: ["ns"],
                     columns: [name, text("Status", "The status of the namespace", "status", "phase"), age],
                     storageVersion: "v1", strategicMerge: true),
        ResourceType(api: .configMaps, singular: "configmap", shortNames: ["cm"],
                     columns: [name, count("Data", "Number of data keys", "data", "binaryData"), age],
                     storageVersion: "v1", strategicMerge: true, deleteReturnsStatus: true),
        ResourceType(api: .secrets, singular: "secret",
                     columns: [name, text("Type", "The type of the secret", "type"),
                               count("Data", "Number of data keys", "data"), age],
                     storageVersion: "v1", strategicMerge: true, deleteReturnsStatus: true),
        ResourceType(api: .services, singular: "service", shortNames: ["svc"], categories: ["all"], hasStatus: true,
                     columns: [name, text("Type", "The type of the service", "spec", "type"),
                               text("Cluster-IP", "The cluster IP of the service", "spec", "clusterIP"),
                               Column(name: "External-IP", type: "string", description: "The external IP", priority: 0,
                                      value: .computed { _ in "<none>" }),
                               Column(name: "Port(s)", type: "string", description: "The ports of the service",
                                      priority: 0, value: .computed(servicePorts)),
                               age],
                     storageVersion: "v1", strategicMerge: true, deleteReturnsStatus: true),
        ResourceType(api: .serviceAccounts, singular: "serviceaccount", shortNames: ["sa"],
                     columns: [name, count("Secrets", "Number of secrets", "secrets"), age],
                     storageVersion: "v1", strategicMerge: true, deleteReturnsStatus: true),
        ResourceType(api: .coreEvents, singular: "event", shortNames: ["ev"],
                     columns: [
                         Column(name: "Last Seen", type: "string", description: "Time since the event was last seen",
                                priority: 0, value: .computed { age(of: $0["lastTimestamp"] ?? $0["eventTime"] ?? $0[path: "metadata", "creationTimestamp"]) }),
                         text("Type", "Event type", "type"), text("Reason", "Event reason", "reason"),
                         Column(name: "Object", type: "string", description: "The object this event is about",
                                priority: 0, value: .computed { e in
                                    let kind = e[path: "involvedObject", "kind"]?.stringValue?.lowercased() ?? ""
                                    return .string("\(kind)/\(e[path: "involvedObject", "name"]?.stringValue ?? "")")
                                }),
                         text("Message", "Event message", "message"),
                         Column(name: "Name", type: "string", format: "name", description: nameDescription,
                                priority: 1, value: .jsonPath(".metadata.name")),
                     ],
                     storageVersion: "v1", strategicMerge: true, deleteReturnsStatus: true),
        ResourceType(api: .events, singular: "event", shortNames: ["ev"],
                     columns: [
                         Column(name: "Last Seen", type: "string", description: "Time since the event was last seen",
                                priority: 0, value: .computed { age(of: $0["eventTime"] ?? $0[path: "metadata", "creationTimestamp"]) }),
                         text("Type", "Event type", "type"), text("Reason", "Event reason", "reason"),
                         Column(name: "Object", type: "string", description: "The object this event is about",
                                priority: 0, value: .computed { e in
                                    let kind = e[path: "regarding", "kind"]?.stringValue?.lowercased() ?? ""
                                    return .string("\(kind)/\(e[path: "regarding", "name"]?.stringValue ?? "")")
                                }),
                         text("Message", "Event message", "note"),
                     ],
                     storageVersion: "v1", strategicMerge: true, deleteReturnsStatus: true, sharedStoreKey: "events"),
        ResourceType(api: .deployments, singular: "deployment", shortNames: ["deploy"], categories: ["all"],
                     hasStatus: true,
                     scale: .init(specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas",
                                  labelSelectorPath: nil),
                     columns: [name,
                               Column(name: "Ready", type: "string", description: "Number of ready replicas / desired",
                                      priority: 0, value: .computed { d in
                                          .string("\(d[path: "status", "readyReplicas"]?.intValue ?? 0)/\(d[path: "spec", "replicas"]?.intValue ?? 1)")
                                      }),
                               int("Up-to-date", "Updated replicas", "status", "updatedReplicas"),
                               int("Available", "Available replicas", "status", "availableReplicas"),
                               age],
                     tracksGeneration: true, storageVersion: "v1", strategicMerge: true),
        ResourceType(api: .horizontalPodAutoscalers, singular: "horizontalpodautoscaler", shortNames: ["hpa"],
                     categories: ["all"], hasStatus: true,
                     columns: [name,
                               Column(name: "Reference", type: "string", description: "The scale target", priority: 0,
                                      value: .computed { h in
                                          .string("\(h[path: "spec", "scaleTargetRef", "kind"]?.stringValue ?? "")/\(h[path: "spec", "scaleTargetRef", "name"]?.stringValue ?? "")")
                                      }),
                               Column(name: "Targets", type: "string", description: "Current/target metrics", priority: 0,
                                      value: .computed { _ in "<unknown>" }),
                               int("MinPods", "Lower limit of replicas", "spec", "minReplicas"),
                               int("MaxPods", "Upper limit of replicas", "spec", "maxReplicas"),
                               int("Replicas", "Current replicas", "status", "currentReplicas"),
                               age],
                     tracksGeneration: true, storageVersion: "v2", strategicMerge: true),
        ResourceType(api: .podDisruptionBudgets, singular: "poddisruptionbudget", shortNames: ["pdb"], hasStatus: true,
                     columns: [name,
                               Column(name: "Min Available", type: "string", description: "Minimum available pods",
                                      priority: 0, value: .computed { orNA($0[path: "spec", "minAvailable"]) }),
                               Column(name: "Max Unavailable", type: "string", description: "Maximum unavailable pods",
                                      priority: 0, value: .computed { orNA($0[path: "spec", "maxUnavailable"]) }),
                               int("Allowed Disruptions", "Allowed disruptions", "status", "disruptionsAllowed"),
                               age],
                     tracksGeneration: true, storageVersion: "v1", strategicMerge: true),
        ResourceType(api: .leases, singular: "lease",
                     columns: [name, text("Holder", "The holder of the lease", "spec", "holderIdentity"), age],
                     storageVersion: "v1", strategicMerge: true, deleteReturnsStatus: true),
        ResourceType(api: .customResourceDefinitions, singular: "customresourcedefinition", shortNames: ["crd", "crds"],
                     categories: ["api-extensions"], hasStatus: true,
                     columns: [name,
                               Column(name: "Created At", type: "date", description: "Creation time", priority: 0,
                                      value: .computed { $0[path: "metadata", "creationTimestamp"] ?? .null })],
                     tracksGeneration: true, storageVersion: "v1"),
    ] + rbac

    static let nameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"

    static let name = Column(name: "Name", type: "string", format: "name", description: nameDescription, priority: 0,
                             value: .jsonPath(".metadata.name"))

    static let age = Column(name: "Age", type: "string",
                            description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
                            priority: 0, value: .computed { age(of: $0[path: "metadata", "creationTimestamp"]) })

    static func text(_ name: String, _ description: String, _ path: String...) -> Column {
        Column(name: name, type: "string", description: description, priority: 0, value: .computed { object in
            var v: JSONValue? = object
            for key in path { v = v?[key] }
            return v ?? ""
        })
    }

    static func int(_ name: String, _ description: String, _ path: String...) -> Column {
        Column(name: name, type: "integer", description: description, priority: 0, value: .computed { object in
            var v: JSONValue? = object
            for key in path { v = v?[key] }
            return v ?? 0
        })
    }

    static func count(_ name: String, _ description: String, _ fields: String...) -> Column {
        Column(name: name, type: "integer", description: description, priority: 0, value: .computed { object in
            .int(Int64(fields.reduce(0) { $0 + (object[$1]?.objectValue?.count ?? object[$1]?.arrayValue?.count ?? 0) }))
        })
    }

    static func orNA(_ value: JSONValue?) -> JSONValue {
        switch value {
        case .int(let i)?: .string(String(i))
        case .string(let s)?: .string(s)
        default: "N/A"
        }
    }

    static func servicePorts(_ service: JSONValue) -> JSONValue {
        let ports = service[path: "spec", "ports"]?.arrayValue ?? []
        if ports.isEmpty { return "<none>" }
        return .string(ports.map { p in
            "\(p["port"]?.intValue ?? 0)/\(p["protocol"]?.stringValue ?? "TCP")"
        }.joined(separator: ","))
    }

    /// kubectl's age: `45s`, `3m20s`, `5h`, `2d3h`, … from an RFC 3339 timestamp.
    static func age(of timestamp: JSONValue?) -> JSONValue {
        guard let text = timestamp?.stringValue, let date = Timestamp.parse(text) else { return "<unknown>" }
        return .string(HumanDuration.string(seconds: Timestamp.now().timeIntervalSince(date)))
    }
}
