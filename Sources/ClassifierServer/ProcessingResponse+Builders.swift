import Foundation

/// The few ProcessingResponse shapes the classifier sends.
extension Envoy_Service_ExtProc_V3_ProcessingResponse {
    /// CONTINUE with no mutation, answering the phase Envoy just sent; in an answer to headers, optionally
    /// with the processing mode for the rest of this request (``ExtProcModes``).
    static func passThrough(_ phase: ExtProcPhase, modeOverride: ExtProcModes.Mode? = nil) -> Self {
        var response = Self()
        let common = Envoy_Service_ExtProc_V3_CommonResponse()
        switch phase {
        case .requestHeaders: response.requestHeaders.response = common
        case .responseHeaders: response.responseHeaders.response = common
        case .requestBody: response.requestBody.response = common
        case .responseBody: response.responseBody.response = common
        case .requestTrailers: response.requestTrailers = .init()
        case .responseTrailers: response.responseTrailers = .init()
        }
        if let modeOverride { response.modeOverride = modeOverride }
        return response
    }

    /// Replaces the buffered request body and sets headers, then asks Envoy to pick the route again (AI
    /// Gateway routes on the model the new body names). `content-length` always matches the new body.
    static func replaceRequestBody(_ body: [UInt8], setHeaders: [(String, String)]) -> Self {
        var common = Envoy_Service_ExtProc_V3_CommonResponse()
        common.status = .continue
        common.bodyMutation.body = Data(body)
        var mutation = Envoy_Service_ExtProc_V3_HeaderMutation()
        for (name, value) in setHeaders where name.lowercased() != "content-length" {
            mutation.setHeaders.append(.overwrite(name.lowercased(), value))
        }
        mutation.setHeaders.append(.overwrite("content-length", String(body.count)))
        common.headerMutation = mutation
        common.clearRouteCache_p = true
        var response = Self()
        response.requestBody.response = common
        return response
    }

    /// Ends the request with a local reply (a block, a cache hit, or a fail-closed error).
    static func immediate(status: Int, body: [UInt8], headers: [(String, String)], details: String) -> Self {
        var immediate = Envoy_Service_ExtProc_V3_ImmediateResponse()
        immediate.status.code = Envoy_Type_V3_StatusCode(rawValue: status) ?? .UNRECOGNIZED(status)
        immediate.body = Data(body)
        var mutation = Envoy_Service_ExtProc_V3_HeaderMutation()
        for (name, value) in headers {
            mutation.setHeaders.append(.overwrite(name.lowercased(), value))
        }
        if !mutation.setHeaders.isEmpty { immediate.headers = mutation }
        immediate.details = details
        var response = Self()
        response.immediateResponse = immediate
        return response
    }
}

/// The phase a ProcessingRequest carries (its oneof), named as in Envoy's API.
enum ExtProcPhase: String, Sendable {
    case requestHeaders = "request_headers"
    case responseHeaders = "response_headers"
    case requestBody = "request_body"
    case responseBody = "response_body"
    case requestTrailers = "request_trailers"
    case responseTrailers = "response_trailers"

    init?(_ request: Envoy_Service_ExtProc_V3_ProcessingRequest) {
        switch request.request {
        case .requestHeaders: self = .requestHeaders
        case .responseHeaders: self = .responseHeaders
        case .requestBody: self = .requestBody
        case .responseBody: self = .responseBody
        case .requestTrailers: self = .requestTrailers
        case .responseTrailers: self = .responseTrailers
        case nil: return nil
        }
    }
}
