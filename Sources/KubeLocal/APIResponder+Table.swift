import Foundation
import KubeCore

extension APIResponder {
    /// A `meta.k8s.io/v1` Table, as kube-apiserver's table convertors build it (rows carry the object as
    /// `PartialObjectMetadata` by default, the full object with `includeObject=Object`).
    func tableObject(_ type: ResourceType, objects: [JSONValue], resourceVersion: String, continueToken: String?,
                     includeObject: String?) -> JSONValue {
        let columns: [JSONValue] = type.columns.map { c in
            var o: JSONValue = ["name": .string(c.name), "type": .string(c.type), "format": .string(c.format ?? ""),
                                 "description": .string(c.description), "priority": .int(Int64(c.priority))]
            if c.format == nil { o["format"] = "" }
            return o
        }
        var metadata: JSONValue = ["resourceVersion": .string(resourceVersion)]
        if let continueToken { metadata["continue"] = .string(continueToken) }
        return ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata,
                "columnDefinitions": .array(columns),
                "rows": .array(objects.map { tableRow(type, $0, includeObject: includeObject) })]
    }

    func tableRow(_ type: ResourceType, _ object: JSONValue, includeObject: String?) -> JSONValue {
        let cells: [JSONValue] = type.columns.map { Self.cell($0, object) }
        var row: JSONValue = ["cells": .array(cells)]
        switch includeObject {
        case "None": break
        case "Object": row["object"] = object
        default:
            row["object"] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": object["metadata"] ?? .object(JSONObject())]
        }
        return row
    }

    /// One cell, formatted as apiextensions' table convertor does (strings printed, dates as ages).
    static func cell(_ column: ResourceType.PrinterColumn, _ object: JSONValue) -> JSONValue {
        switch column.value {
        case .computed(let f): return f(object)
        case .jsonPath(let path):
            guard let value = JSONPath.first(path, in: object) else { return .null }
            switch column.type {
            case "date": return BuiltinResources.age(of: value)
            case "string":
                if case .string = value { return value }
                return .string(JSONWriter.string(value))
            case "integer": return value.intValue.map { .int($0) } ?? .null
            case "number": return value.doubleValue.map { .double($0) } ?? .null
            case "boolean": return value.boolValue.map { .bool($0) } ?? .null
            default: return value
            }
        }
    }
}
