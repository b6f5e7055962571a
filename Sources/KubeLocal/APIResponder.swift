import Foundation
import Hummingbird
import KubeCore
import Logging
import NIOCore

/// Answers every HTTP request: discovery, OpenAPI and the resource REST API. Thin over ``ObjectStore``.
struct APIResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let store: ObjectStore
    let faults: FaultInjector
    let log: RequestLog
    let watchSettings: WatchSettings
    let logger: Logger
    let snapshotter: Snapshotter?
    /// nil: every request is allowed. Otherwise known tokens act as their users under RBAC (``RBACAuthorizer``).
    var authentication: TokenAuthentication? = nil

    struct WatchSettings: Sendable {
        var bookmarkInterval: Duration
        var defaultTimeout: Duration
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let query = RequestInfo.parseQuery(request.uri.query)
        let path = request.uri.path
        let info = RequestInfo(method: request.method.rawValue, path: path, query: query)
        let latency = faults.latency
        if latency > .zero { try await Task.sleep(for: latency) }
        var response: Response
        var user: UserInfo?
        do {
            user = try authenticate(request)
            try await authorize(user, info: info, path: path)
            if let fault = faults.take(verb: info.verb, resource: info.resource) { throw fault }
            response = try await route(request, info: info, query: query, path: path)
        } catch let error as APIError {
            response = Self.statusResponse(error)
        } catch {
            logger.error("request failed", metadata: ["http.path": "\(path)", "error": "\(error)"])
            response = Self.statusResponse(.internalError("\(error)"))
        }
        if let snapshotter, response.status.code < 300,
           ["create", "update", "patch", "delete", "deletecollection"].contains(info.verb) {
            do { try await snapshotter.save(store) } catch {
                logger.error("snapshot failed", metadata: ["error": "\(error)"])
            }
        }
        log.append(.init(verb: info.verb, resource: info.resource, group: info.group, subresource: info.subresource,
                         namespace: info.namespace, name: info.name, path: path, code: Int(response.status.code),
                         user: user?.name))
        logger.debug("request", metadata: ["http.method": "\(request.method)", "http.path": "\(path)",
                                           "http.status": "\(response.status.code)"])
        return response
    }

    /// The bearer token's user; nil for the admin (no token, or no authentication configured).
    private func authenticate(_ request: Request) throws(APIError) -> UserInfo? {
        guard let authentication else { return nil }
        switch authentication.authenticate(authorization: request.headers[.authorization]) {
        case .admin: return nil
        case .rejected: throw APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")
        case .user(let user): return user
        }
    }

    /// RBAC for a token's user (``RBACAuthorizer``); the admin and `system:masters` may do anything.
    private func authorize(_ user: UserInfo?, info: RequestInfo, path: String) async throws(APIError) {
        guard let user, !user.groups.contains("system:masters") else { return }
        let attributes = RBACAuthorizer.Attributes(info, path: path)
        guard await store.authorizer().allows(user, attributes) else {
            logger.debug("forbidden", metadata: ["user": "\(user.name)", "request": "\(info.label)"])
            throw RBACAuthorizer.forbidden(user, attributes)
        }
    }

    private func route(_ request: Request, info: RequestInfo, query: [String: String], path: String) async throws -> Response {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        switch trimmed {
        case "/version":
            return Self.json(["major": "1", "minor": "32", "gitVersion": "v1.32.0-kubelocal", "gitCommit": "", "gitTreeState": "clean",
                              "buildDate": "2026-01-01T00:00:00Z", "goVersion": "swift", "compiler": "swift", "platform": "linux/amd64"])
        case "/healthz", "/livez", "/readyz":
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        case "/api": return Self.json(apiVersions())
        case "/apis": return Self.json(await apiGroupList())
        case "/openapi/v3": return Self.json(await openAPIIndex())
        case "/openapi/v2":
            throw APIError(code: 404, reason: "NotFound", message: "OpenAPI v2 is not served by KubeLocal; use /openapi/v3")
        default: break
        }
        if trimmed.hasPrefix("/openapi/v3/") {
            return Self.json(try await openAPIDocument(String(trimmed.dropFirst("/openapi/v3/".count))))
        }
        let parts = trimmed.split(separator: "/").map(String.init)
        if parts.count == 2, parts[0] == "apis" { return Self.json(try await apiGroup(parts[1])) }
        if (parts.count == 2 && parts[0] == "api") || (parts.count == 3 && parts[0] == "apis") {
            guard request.method == .get else { throw APIError.methodNotAllowed() }
            return Self.json(try await resourceList(group: parts[0] == "api" ? "" : parts[1], version: parts.last!))
        }
        guard info.isResourceRequest else {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource",
                           details: .init())
        }
        return try await handleResource(request, info: info, query: query)
    }

    // MARK: - Encoding

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(value))))
    }

    static func statusResponse(_ error: APIError) -> Response {
        var headers: HTTPFields = [:]
        if let retry = error.retryAfterSeconds { headers[.retryAfter] = String(retry) }
        return json(error.json, status: HTTPResponse.Status(code: error.code), headers: headers)
    }

    /// Reads the request body as JSON or YAML (by content type).
    static func body(_ request: Request) async throws -> JSONValue {
        let buffer = try await request.body.collect(upTo: 64 * 1024 * 1024)
        let contentType = request.headers[.contentType] ?? "application/json"
        if contentType.contains("protobuf") {
            return try ProtobufBody.decode(Array(buffer: buffer))
        }
        let text = String(buffer: buffer)
        if contentType.contains("cbor") {
            throw APIError.unsupportedMediaType(contentType, accepted: ["application/json", "application/yaml"])
        }
        do {
            if contentType.contains("yaml") { return try YAMLReader.document(text) }
            return try JSONParser.parse(text)
        } catch {
            throw APIError.badRequest("the body of the request could not be decoded: \(error)")
        }
    }
}
