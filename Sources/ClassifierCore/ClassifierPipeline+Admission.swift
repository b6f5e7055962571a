extension ClassifierPipeline {
    /// The request-headers phase: what Envoy sends before the body says whether the body is worth reading.
    /// Returns why the request is not ours (it then passes through without its body ever reaching the
    /// classifier), or nil when it may be ours: a POST (or no `:method` given) to a chat-completions path
    /// with a JSON content type (or none). Whether it names this route's model is known only from the body.
    public func passThroughBeforeBody(method: String?, path: String, contentType: String?) -> PassThroughReason? {
        if let method, method != "POST" { return .notPost }
        guard ChatRequest.isChatCompletionsPath(path) else { return .notChatCompletions }
        guard ChatRequest.isJSONContentType(contentType) else { return .notJSONContentType }
        return nil
    }

    /// Whether responses feed the semantic cache: only then does the classifier ask Envoy for response
    /// headers (and, for a cacheable answer, the response body).
    public var fillsCache: Bool { cache != nil }

    /// The response-headers phase of a request that got a cache token: whether its body can fill the cache
    /// (status 200 and JSON; an SSE stream or an error never does), so whether to ask Envoy for it.
    public func cachesResponse(status: Int?, contentType: String?) -> Bool {
        cache != nil && status == 200 && ChatRequest.isJSONContentType(contentType)
    }
}
