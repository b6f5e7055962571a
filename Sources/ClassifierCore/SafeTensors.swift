import Foundation

/// A parsed `.safetensors` file: an 8-byte little-endian header length, a JSON header mapping tensor names to
/// dtype, shape and byte range, then the raw data. Only `F32` tensors can be read as floats.
struct SafeTensors {
    struct Entry: Equatable {
        var dtype: String
        var shape: [Int]
        var range: Range<Int>
    }

    let path: String
    let entries: [String: Entry]
    private let data: Data
    private let dataStart: Int

    /// Reads and indexes the file at `path`; errors name the file and what is wrong.
    init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw EncoderError.missingFile(path: path) }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw EncoderError.invalidFile(path: path, reason: "cannot be read (\(error.localizedDescription))")
        }
        try self.init(data: data, path: path)
    }

    init(data: Data, path: String) throws {
        func invalid(_ reason: String) -> EncoderError { .invalidFile(path: path, reason: reason) }
        guard data.count >= 8 else { throw invalid("is \(data.count) bytes, too short for a safetensors header") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8), headerLength <= 100_000_000 else {
            throw invalid("header length \(headerLength) exceeds the file size \(data.count)")
        }
        let headerEnd = 8 + Int(headerLength)
        let header: Any
        do {
            header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd))
        } catch {
            throw invalid("header is not JSON")
        }
        guard let object = header as? [String: Any] else { throw invalid("header is not a JSON object") }
        let payload = data.count - headerEnd
        var entries: [String: Entry] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let fields = value as? [String: Any],
                  let dtype = fields["dtype"] as? String,
                  let shape = (fields["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (fields["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2, shape.count == (fields["shape"] as? [Any])?.count
            else { throw invalid("header entry \(name) lacks dtype, shape or data_offsets") }
            guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= payload else {
                throw invalid("tensor \(name) data_offsets \(offsets) fall outside the \(payload)-byte payload")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        self.path = path
        self.entries = entries
        self.data = data
        self.dataStart = headerEnd
    }

    /// The F32 tensor `name` as floats, checking that its shape is `shape`.
    func floats(_ name: String, shape expected: [Int]) throws -> [Float] {
        guard let entry = entries[name] else {
            throw EncoderError.invalidFile(path: path, reason: "has no tensor \(name)")
        }
        guard entry.dtype == "F32" else {
            throw EncoderError.invalidFile(path: path, reason: "tensor \(name) is \(entry.dtype), expected F32")
        }
        guard entry.shape == expected else {
            throw EncoderError.invalidFile(path: path, reason: "tensor \(name) has shape \(entry.shape), expected \(expected)")
        }
        let count = expected.reduce(1, *)
        guard entry.range.count == count * 4 else {
            throw EncoderError.invalidFile(path: path, reason: "tensor \(name) holds \(entry.range.count) bytes, expected \(count * 4)")
        }
        let start = dataStart + entry.range.lowerBound
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            data.withUnsafeBytes { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw[start..<(start + count * 4)])
                for i in 0..<count {
                    buffer[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                }
            }
            initialized = count
        }
    }
}
