import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `.safetensors` file: an 8-byte little-endian header length, a JSON header mapping tensor names to dtype,
/// shape and byte range, then the raw data. Only `F32` tensors can be read. Tensors are read on demand straight
/// into the caller's memory, so loading a model never holds the file and the weights at once.
final class SafeTensors {
    struct Entry: Equatable {
        var dtype: String
        var shape: [Int]
        var range: Range<Int>
    }

    private enum Source {
        case file(descriptor: Int32)
        case memory(Data)
    }

    let path: String
    let entries: [String: Entry]
    private let source: Source
    private let dataStart: Int

    /// Opens and indexes the file at `path`; errors name the file and what is wrong.
    convenience init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw EncoderError.missingFile(path: path) }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw EncoderError.invalidFile(path: path, reason: "cannot be opened (errno \(errno))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            close(descriptor)
            throw EncoderError.invalidFile(path: path, reason: "cannot be inspected (errno \(errno))")
        }
        let size = Int(status.st_size)
        do {
            let prefix = try Self.read(descriptor: descriptor, path: path, offset: 0, count: min(8, size))
            let headerLength = Self.headerLength(prefix, size: size)
            let header = headerLength.map { try? Self.read(descriptor: descriptor, path: path, offset: 8, count: $0) } ?? nil
            try self.init(prefix: prefix, header: header, size: size, source: .file(descriptor: descriptor), path: path)
        } catch {
            close(descriptor)
            throw error
        }
    }

    /// Indexes an in-memory safetensors image (tests); `path` only names it in errors.
    convenience init(data: Data, path: String) throws {
        let prefix = Data(data.prefix(8))
        let header = Self.headerLength(prefix, size: data.count).map { Data(data[8..<(8 + $0)]) }
        try self.init(prefix: prefix, header: header, size: data.count, source: .memory(data), path: path)
    }

    private init(prefix: Data, header: Data?, size: Int, source: Source, path: String) throws {
        func invalid(_ reason: String) -> EncoderError { .invalidFile(path: path, reason: reason) }
        guard prefix.count == 8 else { throw invalid("is \(size) bytes, too short for a safetensors header") }
        guard let header else {
            let length = prefix.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            throw invalid("header length \(length) exceeds the file size \(size)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any] else {
            throw invalid("header is not a JSON object")
        }
        let payload = size - 8 - header.count
        var entries: [String: Entry] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let fields = value as? [String: Any],
                  let dtype = fields["dtype"] as? String,
                  let rawShape = fields["shape"] as? [Any], let rawOffsets = fields["data_offsets"] as? [Any]
            else { throw invalid("header entry \(name) lacks dtype, shape or data_offsets") }
            let shape = rawShape.compactMap { ($0 as? NSNumber)?.intValue }
            let offsets = rawOffsets.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == rawShape.count, shape.allSatisfy({ $0 >= 0 }), offsets.count == 2 else {
                throw invalid("header entry \(name) has a malformed shape or data_offsets")
            }
            guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= payload else {
                throw invalid("tensor \(name) data_offsets \(offsets) fall outside the \(payload)-byte payload")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        self.path = path
        self.entries = entries
        self.source = source
        self.dataStart = 8 + header.count
    }

    deinit {
        if case .file(let descriptor) = source { close(descriptor) }
    }

    /// The F32 tensor `name`, checked to have `shape`, copied into `destination` (room for its element count).
    func read(_ name: String, shape expected: [Int], into destination: UnsafeMutablePointer<Float>) throws {
        let entry = try checkedEntry(name, shape: expected)
        let count = expected.reduce(1, *)
        let offset = dataStart + entry.range.lowerBound
        switch source {
        case .memory(let data):
            data.withUnsafeBytes { raw in
                UnsafeMutableRawPointer(destination).copyMemory(from: raw.baseAddress! + offset, byteCount: count * 4)
            }
        case .file(let descriptor):
            try Self.read(descriptor: descriptor, path: path, offset: offset, count: count * 4, into: UnsafeMutableRawPointer(destination))
        }
        #if _endian(big)
        for i in 0..<count { destination[i] = Float(bitPattern: UInt32(littleEndian: destination[i].bitPattern)) }
        #endif
    }

    /// The F32 tensor `name` as an array, checked to have `shape`.
    func floats(_ name: String, shape: [Int]) throws -> [Float] {
        let count = shape.reduce(1, *)
        return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(name, shape: shape, into: buffer.baseAddress!)
            initialized = count
        }
    }

    private func checkedEntry(_ name: String, shape expected: [Int]) throws -> Entry {
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
        return entry
    }

    /// The header length from the 8-byte prefix, or nil when it does not fit in a file of `size` bytes.
    private static func headerLength(_ prefix: Data, size: Int) -> Int? {
        guard prefix.count == 8 else { return nil }
        let length = prefix.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(size - 8), length <= 100_000_000 else { return nil }
        return Int(length)
    }

    private static func read(descriptor: Int32, path: String, offset: Int, count: Int) throws -> Data {
        if count == 0 { return Data() }
        var data = Data(count: count)
        try data.withUnsafeMutableBytes { try read(descriptor: descriptor, path: path, offset: offset, count: count, into: $0.baseAddress!) }
        return data
    }

    private static func read(descriptor: Int32, path: String, offset: Int, count: Int, into destination: UnsafeMutableRawPointer) throws {
        var done = 0
        while done < count {
            let result = pread(descriptor, destination + done, count - done, off_t(offset + done))
            if result < 0, errno == EINTR { continue }
            guard result > 0 else {
                throw EncoderError.invalidFile(path: path, reason: "ends early or cannot be read at byte \(offset + done)")
            }
            done += result
        }
    }
}
