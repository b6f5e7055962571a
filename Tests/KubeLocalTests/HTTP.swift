import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeCore
import KubeLocal
import SemrouteTestSupport

/// A minimal HTTP client for the tests: one request, JSON in, JSON out. Each client has its own URLSession
/// (not `URLSession.shared`): a watch left open by one test, or a connection pooled for a server that has
/// stopped and whose port a later server reuses, must not hold up another test's requests.
struct HTTP {
    let base: String
    /// Sent as `Authorization: Bearer …` when set.
    var token: String? = nil
    private let owner = SessionOwner()

    init(base: String, token: String? = nil) {
        self.base = base
        self.token = token
    }

    /// Invalidates the session (cancelling what is still open) when the last copy of the client goes.
    private final class SessionOwner: Sendable {
        let session = URLSession(configuration: .ephemeral)
        deinit { session.invalidateAndCancel() }
    }

    struct Reply {
        var code: Int
        var body: JSONValue
        var headers: [String: String]
    }

    func send(_ method: String, _ path: String, _ body: JSONValue? = nil, contentType: String = "application/json",
              accept: String = "application/json") async throws -> Reply {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.setValue(accept, forHTTPHeaderField: "Accept")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(JSONWriter.bytes(body))
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await owner.session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers["\(k)".lowercased()] = "\(v)" }
        let parsed = data.isEmpty ? JSONValue.null : ((try? JSONParser.parse([UInt8](data))) ?? .string(String(decoding: data, as: UTF8.self)))
        return Reply(code: http.statusCode, body: parsed, headers: headers)
    }

    /// Reads a whole watch stream (the path must bound it with `timeoutSeconds`) as events.
    func watch(_ path: String) async throws -> [WatchEvent] {
        let (data, _) = try await owner.session.data(from: URL(string: base + path)!)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            (try? JSONParser.parse(String(line))).flatMap { try? WatchEvent(json: $0) }
        }
    }
}

/// The repository root, from this file's location.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()
