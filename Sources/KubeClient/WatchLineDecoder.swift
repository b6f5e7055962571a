import KubeCore

/// Turns the chunks of a watch response body into watch events. kube-apiserver writes one JSON object per
/// line, but chunk boundaries fall anywhere (mid-object, mid-UTF-8 sequence), so bytes are buffered until a
/// newline. Blank lines are skipped. A final line without a newline is decoded by ``finish()``.
struct WatchLineDecoder {
    private var buffer: [UInt8] = []
    /// Bytes of `buffer` already scanned for a newline (so a long object is not rescanned per chunk).
    private var scanned = 0
    /// A single event larger than this is an error rather than unbounded memory growth.
    let maximumLineLength: Int

    init(maximumLineLength: Int = 64 << 20) {
        self.maximumLineLength = maximumLineLength
    }

    /// Appends a chunk and returns the events completed by it, in order.
    mutating func decode(_ chunk: some Collection<UInt8>) throws(KubeError) -> [WatchEvent] {
        buffer.append(contentsOf: chunk)
        var events: [WatchEvent] = []
        var lineStart = 0
        var i = scanned
        while i < buffer.count {
            if buffer[i] == UInt8(ascii: "\n") {
                if let event = try Self.event(buffer[lineStart..<i]) { events.append(event) }
                lineStart = i + 1
            }
            i += 1
        }
        buffer.removeFirst(lineStart)
        scanned = buffer.count
        if buffer.count > maximumLineLength {
            throw KubeError.transport("watch event longer than \(maximumLineLength) bytes")
        }
        return events
    }

    /// Decodes what is left after the body ended (a last line without a trailing newline).
    mutating func finish() throws(KubeError) -> WatchEvent? {
        defer { buffer = []; scanned = 0 }
        return try Self.event(buffer[...])
    }

    private static func event(_ line: ArraySlice<UInt8>) throws(KubeError) -> WatchEvent? {
        guard line.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { return nil }
        let json: JSONValue
        do {
            json = try JSONParser.parse(Array(line))
        } catch {
            throw KubeError.transport("malformed watch event: \(error)")
        }
        do {
            return try WatchEvent(json: json)
        } catch {
            throw KubeError.transport("malformed watch event: \(error)")
        }
    }
}
