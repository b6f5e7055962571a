import Foundation
import KubeClient
import KubeCore
import KubeEnvtest
import SemanticRouteAPI
import Testing
@testable import SemanticRouteController

/// `semroute validate` (offline) against what the real API server accepts (a dry-run create with the CRD's
/// schema and CEL rules): for every sample, each field set to null, removed, emptied or made negative.
/// The two must agree both ways: the validator never accepts what the server rejects (a GitOps check would
/// pass and the apply fail) and never rejects what the server accepts (a false alarm).
@Suite("semroute validate agrees with the real API server", .serialized,
       .enabled(if: RealServer.available(needsUpstreamCRDs: false), RealServer.skipReason(needsUpstreamCRDs: false)),
       .realAPIServer(), .timeLimit(.minutes(15)))
struct ValidatorAgreementTests {
    /// Every path to an object field in `value`, depth first.
    static func fieldPaths(_ value: JSONValue, _ prefix: [String] = []) -> [[String]] {
        guard case .object(let object) = value else {
            if case .array(let items) = value {
                return items.indices.flatMap { fieldPaths(items[$0], prefix + ["#\($0)"]) }
            }
            return []
        }
        return object.keys.flatMap { key in [prefix + [key]] + fieldPaths(object[key]!, prefix + [key]) }
    }

    /// `value` with the field at `path` (array steps written `#n`) replaced; `nil` removes it.
    static func replacing(_ value: JSONValue, _ path: ArraySlice<String>, _ new: JSONValue?) -> JSONValue {
        guard let head = path.first else { return new ?? .null }
        if head.hasPrefix("#"), case .array(var items) = value, let n = Int(head.dropFirst()) {
            items[n] = replacing(items[n], path.dropFirst(), new)
            return .array(items)
        }
        guard case .object(var object) = value else { return value }
        if path.count == 1 { object[head] = new } else { object[head] = replacing(object[head] ?? .null, path.dropFirst(), new) }
        return .object(object)
    }

    static func mutations(of route: JSONValue) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        for path in fieldPaths(route["spec"] ?? .null, ["spec"]) {
            let name = path.joined(separator: ".")
            var current: JSONValue? = route
            for step in path { current = step.hasPrefix("#") ? current?.arrayValue?[Int(step.dropFirst())!] : current?[step] }
            out.append(("\(name)=null", replacing(route, path[...], .null)))
            out.append(("\(name) removed", replacing(route, path[...], nil)))
            switch current {
            case .int?, .double?: out.append(("\(name)=-1", replacing(route, path[...], -1)))
            case .string?: out.append(("\(name)=\"\"", replacing(route, path[...], "")))
            default: break
            }
        }
        return out
    }

    @Test("every mutation of every sample: validator and server agree")
    func agreement() async throws {
        let admin = try RealServer.client()
        defer { Task { try? await admin.shutdown() } }  // also when a step throws: an unclosed client crashes the process
        _ = try await admin.apply(.namespaces, name: "llm", [:], options: .init(fieldManager: "test"))
        let samples = try FileManager.default.contentsOfDirectory(atPath: RealServer.repoRoot.appendingPathComponent("manifests/samples").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        var checked = 0
        var validatorOnlyRejects: [String] = []
        var serverOnlyRejects: [String] = []
        for sample in samples {
            let route = try RealServerFixtures.documents("manifests/samples/\(sample)")[0].setting(["metadata", "namespace"], "llm")
            for (what, mutated) in Self.mutations(of: route) {
                let offline = SemanticRouteDecoder.decode(mutated)
                var serverError: String?
                do {
                    _ = try await admin.create(ManagedKinds.semanticRoutes, namespace: "llm", mutated, options: WriteOptions(dryRun: true))
                } catch let error as KubeError {
                    serverError = error.status?.message ?? "\(error)"
                }
                checked += 1
                switch (offline, serverError) {
                case (.success, .some(let message)): serverOnlyRejects.append("\(sample) \(what): server: \(message)")
                case (.failure(let failure), nil): validatorOnlyRejects.append("\(sample) \(what): validate: \(failure.description)")
                default: break
                }
            }
        }
        #expect(checked > 500, "only \(checked) mutations")
        #expect(serverOnlyRejects.isEmpty, "validate accepted what the server rejects:\n\(serverOnlyRejects.joined(separator: "\n"))")
        #expect(validatorOnlyRejects.isEmpty, "validate rejected what the server accepts:\n\(validatorOnlyRejects.joined(separator: "\n"))")
    }
}
