import Foundation
import Testing
@testable import ClassifierCore

@Suite("safetensors reader", .timeLimit(.minutes(2)))
struct EncoderSafeTensorsTests {
    /// A file with the given header JSON and payload bytes.
    private func file(header: String, payload: [UInt8]) -> Data {
        let json = Data(header.utf8)
        var length = UInt64(json.count).littleEndian
        return Data(bytes: &length, count: 8) + json + Data(payload)
    }

    private func floatBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    @Test("reads F32 tensors by name with their shapes")
    func readsTensors() throws {
        let header = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}"#
        let tensors = try SafeTensors(data: file(header: header, payload: floatBytes([1, -2, 3.5, 4, 9])), path: "t.safetensors")
        #expect(try tensors.floats("a", shape: [2, 2]) == [1, -2, 3.5, 4])
        #expect(try tensors.floats("b", shape: [1]) == [9])
        #expect(tensors.entries.count == 2)
    }

    @Test("rejects what it cannot use, naming the file and the tensor")
    func rejectsBadTensors() throws {
        let header = #"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let tensors = try SafeTensors(data: file(header: header, payload: floatBytes([1, 2])), path: "t.safetensors")
        #expect(throws: EncoderError.invalidFile(path: "t.safetensors", reason: "tensor a is F16, expected F32")) {
            try tensors.floats("a", shape: [2])
        }
        #expect(throws: EncoderError.invalidFile(path: "t.safetensors", reason: "tensor b has shape [2], expected [3]")) {
            try tensors.floats("b", shape: [3])
        }
        #expect(throws: EncoderError.invalidFile(path: "t.safetensors", reason: "has no tensor c")) {
            try tensors.floats("c", shape: [2])
        }
    }

    @Test("rejects data offsets outside the payload")
    func rejectsOffsets() {
        let header = #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#
        let error = #expect(throws: EncoderError.self) { try SafeTensors(data: file(header: header, payload: floatBytes([1])), path: "t.safetensors") }
        #expect(error?.description.contains("tensor a data_offsets") == true)
    }

    @Test("rejects a header entry without its fields")
    func rejectsIncompleteEntry() {
        let header = #"{"a":{"dtype":"F32","shape":[1]}}"#
        #expect(throws: EncoderError.invalidFile(path: "t.safetensors", reason: "header entry a lacks dtype, shape or data_offsets")) {
            try SafeTensors(data: file(header: header, payload: floatBytes([1])), path: "t.safetensors")
        }
    }
}
