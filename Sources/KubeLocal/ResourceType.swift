import KubeCore

/// Everything the server knows about one served resource (built-in or from a CRD): where it lives, how
/// `kubectl get` prints it, which subresources it has and how its objects are validated.
struct ResourceType: Sendable {
    /// One `additionalPrinterColumns` entry (or a built-in default column).
    struct PrinterColumn: Sendable {
        var name: String
        var type: String
        var format: String?
        var description: String
        var priority: Int
        /// The cell: a CRD column's JSONPath, or a computed built-in column.
        var value: Cell

        enum Cell: Sendable {
            case jsonPath(String)
            case computed(@Sendable (JSONValue) -> JSONValue)
        }
    }

    /// How the `scale` subresource maps onto the object.
    struct ScaleMapping: Sendable, Hashable {
        var specReplicasPath: String
        var statusReplicasPath: String
        var labelSelectorPath: String?
    }

    var api: APIResource
    var singular: String
    var shortNames: [String] = []
    var categories: [String] = []
    var hasStatus = false
    var scale: ScaleMapping?
    /// All Table columns (including `Name`), as kube-apiserver's table convertor for this resource prints them.
    var columns: [PrinterColumn] = []
    /// `metadata.generation` is kept (set to 1 on create, bumped when the object apart from metadata and — with
    /// a status subresource — status changes).
    var tracksGeneration = false
    /// The CRD's validator (schema validation, defaulting, pruning); `nil` for built-ins.
    var validator: SchemaValidator?
    /// The structural schema (CRDs) or a minimal one (built-ins) for OpenAPI.
    var schema: JSONSchema?
    /// The name of the CRD that defines it.
    var crdName: String?
    /// Served under this version; the storage version is the one objects are kept in.
    var storageVersion: String
    /// Whether strategic merge patch is accepted (built-ins only, as in kube-apiserver).
    var strategicMerge = false
    /// Built-ins whose DELETE answers with a `Status` (`Success`) instead of the object.
    var deleteReturnsStatus = false

    var group: String { api.group }
    var version: String { api.version }
    var plural: String { api.plural }
    var kind: String { api.kind }
    var namespaced: Bool { api.namespaced }
    var listKind: String { kind + "List" }
    var isCustom: Bool { crdName != nil }
    /// Another resource whose store this one serves in its own form (events.k8s.io Events are core Events).
    var sharedStoreKey: String?
    /// Identifies the stored collection (all versions of one resource share it).
    var storeKey: String { sharedStoreKey ?? (group.isEmpty ? plural : "\(plural).\(group)") }
    /// The events.k8s.io/v1 view of core Events (see ``EventConversion``).
    var isEventsV1View: Bool { sharedStoreKey == "events" && group == "events.k8s.io" }

    var verbs: [String] { ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] }
}
