import AsyncHTTPClient
import Foundation
import KubeCore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A Kubernetes API client for any group/version/resource, untyped (``JSONValue``) or typed (Codable).
/// Every failure is thrown as a ``KubeError``. Call ``shutdown()`` when done.
public final class KubeClient: Sendable {
    public let config: KubeConfig
    public let retryPolicy: RetryPolicy
    /// Deadline for a non-watch request to receive its response head.
    public let requestTimeout: Duration
    let http: HTTPClient
    let logger: Logger
    static let maximumResponseBytes = 256 << 20

    public init(config: KubeConfig, retryPolicy: RetryPolicy = .default, requestTimeout: Duration = .seconds(60),
                logger: Logger) throws {
        self.config = config
        self.retryPolicy = retryPolicy
        self.requestTimeout = requestTimeout
        self.logger = logger
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = config.certificateAuthorityPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
            if let cert = config.clientCertificatePEM, let key = config.clientKeyPEM {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(cert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            }
        } catch {
            throw KubeConfigError(source: config.origin, field: "certificates",
                                  reason: "cannot load the CA / client certificate / key PEM: \(error)")
        }
        if config.insecureSkipTLSVerify { tls.certificateVerification = .none }
        var httpConfig = HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(10)))
        httpConfig.httpVersion = .http1Only
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
    }

    /// Closes connections. In-flight watches end with a transport error.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    // MARK: - Request plumbing

    struct Request: Sendable {
        var method: HTTPMethod
        var path: String
        var query: [(String, String)] = []
        var body: JSONValue?
        var contentType: String = "application/json"
        /// Safe to repeat after a 5xx or transport failure (see ``RetryPolicy``).
        var idempotent: Bool
    }

    struct Response: Sendable {
        var status: Int
        var body: JSONValue
    }

    static func path(_ resource: APIResource, namespace: String?, name: String? = nil,
                     subresource: Subresource? = nil) throws(KubeError) -> String {
        var path = resource.groupVersionPath
        if resource.namespaced, let namespace {
            guard !namespace.isEmpty else { throw invalidRequest("namespace must not be empty") }
            path += "/namespaces/" + escapeSegment(namespace)
        }
        path += "/" + resource.plural
        if let name {
            guard !name.isEmpty else { throw invalidRequest("name must not be empty") }
            path += "/" + escapeSegment(name)
        }
        if let subresource { path += "/" + subresource.rawValue }
        return path
    }

    static func namespacedPath(_ resource: APIResource, namespace: String?, name: String? = nil,
                               subresource: Subresource? = nil) throws(KubeError) -> String {
        if resource.namespaced, namespace == nil {
            throw invalidRequest("\(resource) is namespaced: a namespace is required")
        }
        return try path(resource, namespace: namespace, name: name, subresource: subresource)
    }

    static func invalidRequest(_ message: String) -> KubeError {
        .invalid(Status(message: message, reason: "BadRequest", code: 400), causes: [])
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) { out.unicodeScalars.append(Unicode.Scalar(byte)) }
            else { out += String(format: "%%%02X", byte) }
        }
        return out
    }

    static func escapeSegment(_ text: String) -> String { escape(text) }

    func url(_ request: Request) -> String {
        var url = config.server.absoluteString + request.path
        if !request.query.isEmpty {
            url += "?" + request.query.map { Self.escape($0.0) + "=" + Self.escape($0.1) }.joined(separator: "&")
        }
        return url
    }

    func httpRequest(_ request: Request) throws(KubeError) -> HTTPClientRequest {
        var http = HTTPClientRequest(url: url(request))
        http.method = request.method
        http.headers.add(name: "Accept", value: "application/json")
        http.headers.add(name: "User-Agent", value: "semroute")
        if let token = config.token {
            do {
                http.headers.add(name: "Authorization", value: "Bearer " + (try token.token()))
            } catch {
                throw .transport("cannot read the bearer token: \(error)")
            }
        }
        if let body = request.body {
            http.headers.add(name: "Content-Type", value: request.contentType)
            http.body = .bytes(JSONWriter.bytes(body))
        }
        return http
    }

    /// Sends a request, retrying per ``retryPolicy``; decodes the JSON answer or throws the typed error.
    func send(_ request: Request) async throws -> Response {
        var attempt = 0
        while true {
            do {
                return try await sendOnce(request)
            } catch let error as KubeError {
                attempt += 1
                guard attempt < retryPolicy.maxAttempts, retryPolicy.shouldRetry(error, idempotent: request.idempotent)
                else { throw error }
                let delay = retryPolicy.delay(after: error, attempt: attempt - 1)
                logger.debug("retrying Kubernetes API call", metadata: [
                    "http.method": "\(request.method.rawValue)", "http.path": "\(request.path)",
                    "error.reason": "\(error.reason)", "retry.attempt": "\(attempt)",
                    "retry.delay_ms": "\(Int(delay.seconds * 1000))",
                ])
                try await Task.sleep(for: delay)
            }
        }
    }

    func sendOnce(_ request: Request) async throws -> Response {
        let http = try httpRequest(request)
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await self.http.execute(http, timeout: .nanoseconds(requestTimeout.nanosecondsClamped))
            bytes = try await response.body.collect(upTo: Self.maximumResponseBytes)
        } catch {
            try Task.checkCancellation()
            throw KubeError.transport("\(request.method.rawValue) \(request.path): \(error)")
        }
        let code = Int(response.status.code)
        let body: JSONValue? = bytes.readableBytes == 0 ? nil : try? JSONParser.parse(Array(buffer: bytes))
        guard (200..<300).contains(code) else {
            throw KubeError(code: code, status: body.flatMap(Status.init(json:)),
                            retryAfterHeader: response.headers.first(name: "Retry-After"))
        }
        guard let body else {
            if bytes.readableBytes == 0 { return Response(status: code, body: .null) }
            throw KubeError.transport("\(request.method.rawValue) \(request.path): response is not JSON")
        }
        return Response(status: code, body: body)
    }
}

extension Duration {
    var nanosecondsClamped: Int64 {
        let (s, atto) = components
        if s > Int64.max / 1_000_000_000 - 1 { return Int64.max }
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
}
