/// Carries what the semantic cache needs from the request phase to the response phase of one request.
/// Opaque to the server: keep it with the stream and pass it to
/// ``ClassifierPipeline/recordResponse(_:status:body:)``.
public struct CacheToken: Sendable {
    let embedding: [Float]
    /// The cache partition: the alias the request was sent under (a decision's, or an experiment arm's).
    let decision: String
}
