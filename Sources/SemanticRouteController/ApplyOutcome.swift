/// What happened to one desired object in a reconcile.
public enum ApplyOutcome: Sendable, Hashable {
    /// The live object already held every field we send: no request was made.
    case unchanged
    /// Server-side apply succeeded.
    case applied
    /// The API server rejected the apply (e.g. a CRD's schema or CEL rule); `message` is the server's.
    case rejected(code: Int, message: String)
    /// The apply could not be made (transport error, 409, 429, 5xx); it is retried with backoff.
    case failed(reason: String, message: String)
    /// An object of that name exists without semroute's labels: it is not ours, so it is left untouched.
    case nameConflict
    /// Deliberately not applied; `message` says why (e.g. the Gateway already has the user's own
    /// ClientTrafficPolicy, which wins).
    case skipped(message: String)

    /// Whether the object is in place as rendered (or deliberately left to someone else).
    var isInPlace: Bool {
        switch self {
        case .unchanged, .applied, .skipped: true
        case .rejected, .failed, .nameConflict: false
        }
    }
}
