import AsyncHTTPClient
import KubeCore
import NIOCore

extension KubeClient {
    /// Starts a watch and returns its events as they arrive. The stream ends (returns `nil`) when the server
    /// closes the watch cleanly (e.g. `timeoutSeconds`); an `ERROR` event is thrown as a ``KubeError``
    /// (`.gone` for 410: relist); a broken connection is thrown as `.transport`. Not retried: the watcher in
    /// KubeRuntime decides how to resume.
    public func watch(_ resource: APIResource, namespace: String? = nil,
                      options: WatchOptions = WatchOptions()) async throws -> WatchStream {
        let path = try Self.path(resource, namespace: namespace)
        let request = try httpRequest(Request(method: .GET, path: path, query: options.query, idempotent: true))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .nanoseconds(requestTimeout.nanosecondsClamped))
        } catch {
            try Task.checkCancellation()
            throw KubeError.transport("watch \(path): \(error)")
        }
        let code = Int(response.status.code)
        guard (200..<300).contains(code) else {
            let bytes = try? await response.body.collect(upTo: 1 << 20)
            let status = bytes.flatMap { try? JSONParser.parse(Array(buffer: $0)) }.flatMap(Status.init(json:))
            throw KubeError(code: code, status: status, retryAfterHeader: response.headers.first(name: "Retry-After"))
        }
        return WatchStream(body: response.body, path: path)
    }
}

/// The events of one watch call, decoded incrementally from the chunked JSON-lines body.
public struct WatchStream: AsyncSequence, Sendable {
    public typealias Element = WatchEvent
    let body: HTTPClientResponse.Body
    let path: String

    public func makeAsyncIterator() -> Iterator { Iterator(base: body.makeAsyncIterator(), path: path) }

    public struct Iterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator
        let path: String
        var decoder = WatchLineDecoder()
        var pending: [WatchEvent] = []
        var next = 0
        var ended = false

        public mutating func next() async throws -> WatchEvent? {
            while true {
                if next < pending.count {
                    let event = pending[next]
                    next += 1
                    if event.type == .error {
                        ended = true
                        pending = []
                        next = 0
                        let status = Status(json: event.object)
                        throw KubeError(code: status?.code ?? 500, status: status)
                    }
                    return event
                }
                pending = []
                next = 0
                if ended { return nil }
                let chunk: ByteBuffer?
                do {
                    chunk = try await base.next()
                } catch {
                    ended = true
                    try Task.checkCancellation()
                    throw KubeError.transport("watch \(path): \(error)")
                }
                if let chunk {
                    pending = try decoder.decode(chunk.readableBytesView)
                } else {
                    ended = true
                    if let last = try decoder.finish() { pending = [last] }
                }
            }
        }
    }
}
