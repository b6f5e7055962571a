import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeCore
import KubeLocal
import SemrouteTestSupport

/// A minimal HTTP client for the tests: one request, JSON in, JSON out.
struct HTTP {
    let base: String
    /// Sent as `Authorization: Bearer …` when set.
    var token: String? = nil

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
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers["\(k)".lowercased()] = "\(v)" }
        let parsed = data.isEmpty ? JSONValue.null : ((try? JSONParser.parse([UInt8](data))) ?? .string(String(decoding: data, as: UTF8.self)))
        return Reply(code: http.statusCode, body: parsed, headers: headers)
    }

    /// Reads a whole watch stream (the path must bound it with `timeoutSeconds`) as events.
    func watch(_ path: String) async throws -> [WatchEvent] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: base + path)!)
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
