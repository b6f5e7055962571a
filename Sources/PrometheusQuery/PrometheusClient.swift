import AsyncHTTPClient
import KubeCore
import NIOCore

/// One sample of an instant vector: its labels and value.
public struct PrometheusSample: Sendable, Hashable {
    public var labels: [String: String]
    public var value: Double

    public init(labels: [String: String], value: Double) {
        self.labels = labels
        self.value = value
    }
}

/// Why a query has no answer: Prometheus was unreachable, timed out, or answered with an error.
public struct PrometheusError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Instant queries against the Prometheus HTTP API (`GET /api/v1/query`).
public protocol PrometheusQuerying: Sendable {
    /// The instant vector of `promql` at `time` (Unix seconds; now when nil).
    func query(_ promql: String, at time: Int64?) async throws(PrometheusError) -> [PrometheusSample]
}

/// The Prometheus HTTP API over HTTP(S), on the process-wide `HTTPClient.shared` (nothing to shut down).
/// Only instant vectors and scalars are read; a matrix or string result is an error.
public struct PrometheusClient: PrometheusQuerying {
    /// The server's base URL, e.g. `http://prometheus.monitoring:9090` (a path prefix is kept).
    public let baseURL: String
    public let timeout: Duration

    public init(baseURL: String, timeout: Duration = .seconds(10)) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.timeout = timeout
    }

    public func query(_ promql: String, at time: Int64?) async throws(PrometheusError) -> [PrometheusSample] {
        var url = "\(baseURL)/api/v1/query?query=\(Self.escaped(promql))"
        if let time { url += "&time=\(time)" }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let body: ByteBuffer
        let status: UInt
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            status = response.status.code
            body = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw PrometheusError("\(baseURL) did not answer: \(error)")
        }
        return try Self.decode(Array(buffer: body), status: status)
    }

    /// Reads an API response: `{"status":"success","data":{"resultType":"vector","result":[...]}}`, or the error
    /// Prometheus gives (`{"status":"error","errorType":...,"error":...}`).
    public static func decode(_ bytes: [UInt8], status: UInt) throws(PrometheusError) -> [PrometheusSample] {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw PrometheusError("HTTP \(status), and the body is not JSON: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        guard json["status"]?.stringValue == "success" else {
            let kind = json["errorType"]?.stringValue ?? "error"
            throw PrometheusError("HTTP \(status), \(kind): \(json["error"]?.stringValue ?? "no error message")")
        }
        let data = json["data"]
        switch data?["resultType"]?.stringValue {
        case "vector":
            return try (data?["result"]?.arrayValue ?? []).map { item throws(PrometheusError) in
                var labels: [String: String] = [:]
                for (k, v) in item["metric"]?.objectValue ?? JSONObject() { labels[k] = v.stringValue ?? "" }
                return PrometheusSample(labels: labels, value: try value(item["value"]))
            }
        case "scalar":
            return [PrometheusSample(labels: [:], value: try value(data?["result"]))]
        case let other:
            throw PrometheusError("expected an instant vector, got \(other ?? "no resultType")")
        }
    }

    /// `[<unix time>, "<value>"]`; Prometheus writes values as strings (`"NaN"`, `"+Inf"` included).
    static func value(_ pair: JSONValue?) throws(PrometheusError) -> Double {
        guard let text = pair?.arrayValue?.dropFirst().first?.stringValue else { throw PrometheusError("a sample without a value") }
        switch text {
        case "NaN": return .nan
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard let v = Double(text) else { throw PrometheusError("a sample value that is not a number: \(text)") }
            return v
        }
    }

    /// Percent-encodes a query parameter (RFC 3986 unreserved characters pass).
    static func escaped(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
