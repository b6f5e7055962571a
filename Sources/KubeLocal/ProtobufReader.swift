/// The protobuf wire format, read field by field (no schema): varints, length-delimited bytes, and skipping of
/// fixed-width fields. Enough for ``ProtobufBody``.
struct ProtobufReader {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    struct Field {
        enum Payload {
            case varint(UInt64)
            case bytes(ArraySlice<UInt8>)
            case fixed
        }

        var number: Int
        var payload: Payload

        func bytes() throws -> ArraySlice<UInt8> {
            guard case .bytes(let b) = payload else { throw Malformed(description: "field \(number) is not length-delimited") }
            return b
        }

        func string() throws -> String { String(decoding: try bytes(), as: UTF8.self) }

        func varint() throws -> UInt64 {
            guard case .varint(let v) = payload else { throw Malformed(description: "field \(number) is not a varint") }
            return v
        }
    }

    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    /// The next field, or nil at the end of the message.
    mutating func next() throws -> Field? {
        guard !bytes.isEmpty else { return nil }
        let key = try readVarint()
        guard key >> 3 > 0, key >> 3 <= UInt64(Int32.max) else { throw Malformed(description: "invalid field number") }
        let number = Int(key >> 3)
        switch key & 7 {
        case 0:
            return Field(number: number, payload: .varint(try readVarint()))
        case 1, 5:
            try skip(key & 7 == 1 ? 8 : 4)
            return Field(number: number, payload: .fixed)
        case 2:
            let length = try readVarint()
            guard length <= UInt64(bytes.count) else { throw Malformed(description: "field \(number) runs past the end") }
            let start = bytes.startIndex
            let end = start + Int(length)
            defer { bytes = bytes[end...] }
            return Field(number: number, payload: .bytes(bytes[start..<end]))
        default:
            throw Malformed(description: "unsupported wire type \(key & 7) in field \(number)")
        }
    }

    private mutating func readVarint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = bytes.first {
            bytes = bytes.dropFirst()
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
            guard shift < 64 else { break }
        }
        throw Malformed(description: "truncated or overlong varint")
    }

    private mutating func skip(_ count: Int) throws {
        guard bytes.count >= count else { throw Malformed(description: "truncated fixed-width field") }
        bytes = bytes.dropFirst(count)
    }
}
