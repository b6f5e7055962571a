import KubeCore

/// Query parameters that shape a write (`dryRun`, `fieldManager`, `fieldValidation`, `force`) and which part of
/// the object it targets.
struct WriteOptions: Sendable {
    enum FieldValidation: String, Sendable {
        case strict = "Strict"
        case warn = "Warn"
        case ignore = "Ignore"
    }

    enum Subresource: String, Sendable {
        case main = ""
        case status
    }

    var dryRun = false
    var fieldManager: String?
    /// kube-apiserver's default when the parameter is absent is `Warn`.
    var fieldValidation: FieldValidation = .warn
    var subresource: Subresource = .main
    /// `Update` for create/update/patch, `Apply` for server-side apply (managedFields operation).
    var operation = "Update"
    var force = false
}

/// What a write returns: the stored object and any `Warning` headers.
struct WriteResult: Sendable {
    var object: JSONValue
    var warnings: [String] = []
    var created = false
}
