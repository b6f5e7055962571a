import Foundation
import Hummingbird
import KubeCore
import NIOCore

extension APIResponder {
    struct DroppedWatch: Error {}

    /// A chunked stream of newline-delimited watch events. Bookmarks are sent every `bookmarkInterval` when
    /// asked for; the stream ends cleanly after `timeoutSeconds`; a dropped watch (fault injection) cuts it.
    func watch(_ type: ResourceType, info: RequestInfo, query: [String: String], table: Bool) async throws -> Response {
        var request = ObjectStore.WatchRequest(type: type, namespace: info.namespace)
        request.labels = try labels(query)
        request.fields = try fields(query, type)
        if let name = info.name {
            var f = request.fields
            f.requirements.append(.init(field: "metadata.name", value: name, equal: true))
            request.fields = f
        }
        request.resourceVersion = query["resourceVersion"]
        request.bookmarks = query["allowWatchBookmarks"] == "true"
        request.sendInitialEvents = query["sendInitialEvents"] == "true"
        let (id, stream) = try await store.watch(request)
        let timeout = query["timeoutSeconds"].flatMap { Int($0) }.map { Duration.seconds($0) } ?? watchSettings.defaultTimeout
        let interval = watchSettings.bookmarkInterval
        let store = self.store
        let includeObject = query["includeObject"]
        let body = ResponseBody { writer in
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        let deadline = ContinuousClock.now + timeout
                        while ContinuousClock.now < deadline {
                            let next = min(deadline, ContinuousClock.now + interval)
                            try await Task.sleep(until: next)
                            if ContinuousClock.now < deadline { await store.sendBookmarks(to: id) }
                        }
                        await store.endWatch(id)
                    }
                    for await item in stream {
                        switch item {
                        case .drop: throw DroppedWatch()
                        case .event(var event):
                            if table, event.type != .bookmark, event.type != .error {
                                event.object = tableObject(type, objects: [event.object],
                                                           resourceVersion: event.resourceVersion ?? "", continueToken: nil,
                                                           includeObject: includeObject)
                            }
                            var bytes = JSONWriter.bytes(event.json)
                            bytes.append(UInt8(ascii: "\n"))
                            try await writer.write(ByteBuffer(bytes: bytes))
                        }
                    }
                    group.cancelAll()
                }
            } catch {
                await store.endWatch(id)
                throw error
            }
            await store.endWatch(id)
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache, private"], body: body)
    }
}
