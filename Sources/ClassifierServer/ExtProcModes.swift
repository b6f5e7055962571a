/// The processing modes the classifier sends back as `mode_override`, per request. Envoy honours an override
/// only in an answer to a headers message and only with `allow_mode_override: true` (the operator renders
/// it); the override replaces the filter's whole mode for this request, so each one spells out every field
/// (an unset header mode means SEND). The rendered base mode is `ours` (docs/classifier.md, "Phases").
enum ExtProcModes {
    typealias Mode = Envoy_Extensions_Filters_Http_ExtProc_V3_ProcessingMode

    /// Not a chat-completions POST with a JSON body: nothing more is sent (its body is never buffered).
    static let notOurs = mode(requestBody: .none, responseHeaders: .skip, responseBody: .none)

    /// Ours: the whole request body once; the response passes by unseen.
    static let ours = mode(requestBody: .buffered, responseHeaders: .skip, responseBody: .none)

    /// Ours on a route with the semantic cache: also the response headers, so that a cacheable answer
    /// (status 200, JSON, the request not streamed) can then ask for its body.
    static let oursWatchingResponse = mode(requestBody: .buffered, responseHeaders: .send, responseBody: .none)

    /// Answer to response headers of a cacheable answer: its whole body, to fill the cache.
    static let responseBodyForCache = mode(requestBody: .buffered, responseHeaders: .send, responseBody: .buffered)

    /// Answer to response headers of anything else (a stream, an error, no cache token): the body passes
    /// through untouched and unbuffered.
    static let responseUnseen = mode(requestBody: .buffered, responseHeaders: .send, responseBody: .none)

    private static func mode(requestBody: Mode.BodySendMode, responseHeaders: Mode.HeaderSendMode,
                             responseBody: Mode.BodySendMode) -> Mode {
        var mode = Mode()
        mode.requestHeaderMode = .send
        mode.requestBodyMode = requestBody
        mode.requestTrailerMode = .skip
        mode.responseHeaderMode = responseHeaders
        mode.responseBodyMode = responseBody
        mode.responseTrailerMode = .skip
        return mode
    }
}
