import Foundation

/// Bearer tokens KubeLocal knows, in the format of kube-apiserver's `--token-auth-file`: one
/// `token,user,uid[,"group1,group2"]` per line (`#` comments and blank lines ignored).
///
/// A request with a known token acts as that user and is authorised by RBAC (``RBACAuthorizer``). A request
/// with an unknown token is 401 `Unauthorized`. A request with no `Authorization` header is the local admin,
/// which is what the kubeconfig `semroute apiserver` writes uses (a real cluster's admin credentials; KubeLocal
/// has no client certificates), so RBAC applies exactly to the identities a test or user gives tokens to.
public struct TokenAuthentication: Sendable {
    public private(set) var users: [String: UserInfo]

    public init(users: [String: UserInfo] = [:]) { self.users = users }

    public mutating func add(token: String, user: UserInfo) { users[token] = user }

    public struct ParseError: Error, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "token file line \(line): \(reason)" }
    }

    /// Parses the static token file format.
    public init(tokenFile text: String) throws(ParseError) {
        var users: [String: UserInfo] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = Self.csvFields(line)
            guard fields.count >= 3, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw ParseError(line: index + 1, reason: "want token,user,uid[,\"group1,group2\"], got \(fields.count) field(s)")
            }
            guard users[fields[0]] == nil else { throw ParseError(line: index + 1, reason: "duplicate token") }
            let groups = fields.count > 3 ? fields[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : []
            users[fields[0]] = UserInfo(name: fields[1], uid: fields[2], groups: groups.filter { !$0.isEmpty })
        }
        self.users = users
    }

    /// Splits one CSV line; a double-quoted field may hold commas.
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for c in line {
            if c == "\"" { quoted.toggle() } else if c == ",", !quoted {
                fields.append(current)
                current = ""
            } else { current.append(c) }
        }
        fields.append(current)
        return fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    enum Outcome: Equatable {
        case admin
        case user(UserInfo)
        case rejected
    }

    /// Reads the `Authorization` header.
    func authenticate(authorization: String?) -> Outcome {
        guard let authorization, !authorization.isEmpty else { return .admin }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", let user = users[String(parts[1]).trimmingCharacters(in: .whitespaces)]
        else { return .rejected }
        return .user(user)
    }
}
