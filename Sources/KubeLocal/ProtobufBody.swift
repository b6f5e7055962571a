import Foundation
import KubeCore

/// Reads the Kubernetes protobuf encoding (`application/vnd.kubernetes.protobuf`) of the few kinds kubectl's
/// typed generators send as protobuf: `kubectl create namespace | configmap | secret | serviceaccount`.
///
/// The body is the 4-byte magic `k8s\0` and a `runtime.Unknown` envelope (typeMeta = 1, raw = 2,
/// contentEncoding = 3, contentType = 4) whose `raw` is the object's own message, with the field numbers of
/// k8s.io/api's `generated.proto`. Other kinds are refused with 415 naming the kind, so a client can fall back
/// to JSON (`kubectl apply -f`); KubeLocal never guesses at fields it does not know.
enum ProtobufBody {
    static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]
    static let kinds: Set<String> = ["Namespace", "ConfigMap", "Secret", "ServiceAccount"]

    static func decode(_ bytes: [UInt8]) throws(APIError) -> JSONValue {
        guard bytes.count >= magic.count, Array(bytes.prefix(magic.count)) == magic else {
            throw .badRequest("the protobuf body does not start with the Kubernetes magic prefix")
        }
        do {
            var envelope = ProtobufReader(bytes[magic.count...])
            var apiVersion = "", kind = "", raw: ArraySlice<UInt8> = []
            while let field = try envelope.next() {
                switch field.number {
                case 1:
                    var typeMeta = ProtobufReader(try field.bytes())
                    while let f = try typeMeta.next() {
                        if f.number == 1 { apiVersion = try f.string() } else if f.number == 2 { kind = try f.string() }
                    }
                case 2: raw = try field.bytes()
                case 3 where try !field.string().isEmpty:
                    throw APIError(code: 415, reason: "UnsupportedMediaType",
                                   message: "KubeLocal does not read protobuf bodies with a contentEncoding")
                default: break
                }
            }
            guard kinds.contains(kind), apiVersion == "v1" else {
                let what = kind.isEmpty ? "an object of unknown kind" : "\(apiVersion) \(kind)"
                throw APIError(code: 415, reason: "UnsupportedMediaType", message:
                    "KubeLocal reads protobuf bodies only for v1 \(kinds.sorted().joined(separator: ", ")), not \(what); "
                    + "send it as application/json or application/yaml (kubectl apply -f)")
            }
            var object = JSONObject()
            object["apiVersion"] = .string(apiVersion)
            object["kind"] = .string(kind)
            var message = ProtobufReader(raw)
            while let field = try message.next() {
                try read(field, of: kind, into: &object)
            }
            return .object(object)
        } catch let error as APIError {
            throw error
        } catch {
            throw .badRequest("the protobuf body could not be decoded: \(error)")
        }
    }

    /// One top-level field of a Namespace, ConfigMap, Secret or ServiceAccount.
    private static func read(_ field: ProtobufReader.Field, of kind: String, into object: inout JSONObject) throws {
        if field.number == 1 {
            object["metadata"] = try objectMeta(field.bytes())
            return
        }
        switch (kind, field.number) {
        case ("Namespace", 2):  // spec { repeated string finalizers = 1 }
            var spec = ProtobufReader(try field.bytes())
            var finalizers: [JSONValue] = []
            while let f = try spec.next() {
                if f.number == 1 { finalizers.append(.string(try f.string())) }
            }
            if !finalizers.isEmpty { object["spec"] = ["finalizers": .array(finalizers)] }
        case ("ConfigMap", 2), ("Secret", 4):  // data (ConfigMap) / stringData (Secret): map<string, string>
            let key = kind == "ConfigMap" ? "data" : "stringData"
            let (k, v) = try mapEntry(field.bytes())
            object[key] = merged(object[key], k, .string(String(decoding: v, as: UTF8.self)))
        case ("ConfigMap", 3), ("Secret", 2):  // binaryData (ConfigMap) / data (Secret): map<string, bytes>
            let key = kind == "ConfigMap" ? "binaryData" : "data"
            let (k, v) = try mapEntry(field.bytes())
            object[key] = merged(object[key], k, .string(Data(v).base64EncodedString()))
        case ("ConfigMap", 4), ("Secret", 5):
            object["immutable"] = .bool(try field.varint() != 0)
        case ("Secret", 3):
            let type = try field.string()
            if !type.isEmpty { object["type"] = .string(type) }
        case ("ServiceAccount", 4):
            object["automountServiceAccountToken"] = .bool(try field.varint() != 0)
        default:
            break  // read-only fields (status) and references the generators never send
        }
    }

    /// `ObjectMeta`: the fields a client may set on create.
    private static func objectMeta(_ bytes: ArraySlice<UInt8>) throws -> JSONValue {
        var meta = JSONObject()
        var reader = ProtobufReader(bytes)
        // Go's generated code writes every string field, set or not: an empty one means "not set".
        while let field = try reader.next() {
            switch field.number {
            case 1, 2, 3, 6:
                let value = try field.string()
                let key = [1: "name", 2: "generateName", 3: "namespace", 6: "resourceVersion"][field.number]!
                if !value.isEmpty { meta[key] = .string(value) }
            case 11, 12:
                let key = field.number == 11 ? "labels" : "annotations"
                let (k, v) = try mapEntry(field.bytes())
                meta[key] = merged(meta[key], k, .string(String(decoding: v, as: UTF8.self)))
            case 14:
                meta["finalizers"] = .array((meta["finalizers"]?.arrayValue ?? []) + [.string(try field.string())])
            default: break  // uid, generation, timestamps, owner references: set by the server or not sent
            }
        }
        return .object(meta)
    }

    /// A map entry message: key = 1, value = 2.
    private static func mapEntry(_ bytes: ArraySlice<UInt8>) throws -> (String, ArraySlice<UInt8>) {
        var reader = ProtobufReader(bytes)
        var key = "", value: ArraySlice<UInt8> = []
        while let field = try reader.next() {
            if field.number == 1 { key = try field.string() } else if field.number == 2 { value = try field.bytes() }
        }
        return (key, value)
    }

    private static func merged(_ existing: JSONValue?, _ key: String, _ value: JSONValue) -> JSONValue {
        var map = existing?.objectValue ?? JSONObject()
        map[key] = value
        return .object(map)
    }
}
