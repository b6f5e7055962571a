import Foundation
import KubeCore

extension KubeConfig {
    /// Loads the configuration as kubectl does: `explicitPath` (`--kubeconfig`) if given, else every file in
    /// `$KUBECONFIG` (colon-separated, merged: the first file to define a cluster/user/context name or
    /// `current-context` wins), else `~/.kube/config`. `context` overrides `current-context`.
    public static func load(explicitPath: String? = nil, context: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            homeDirectory: String? = nil) throws -> KubeConfig {
        let paths: [String]
        if let explicitPath {
            paths = [explicitPath]
        } else if let list = environment["KUBECONFIG"], !list.isEmpty {
            paths = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        } else {
            let home = homeDirectory ?? environment["HOME"] ?? NSHomeDirectory()
            paths = [home + "/.kube/config"]
        }
        var files: [KubeconfigFile] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                // kubectl ignores missing files in $KUBECONFIG, but not an explicit --kubeconfig.
                if explicitPath != nil || paths.count == 1 {
                    throw KubeConfigError(source: path, field: "", reason: "file does not exist or is not readable")
                }
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw KubeConfigError(source: path, field: "", reason: "file is not UTF-8 text")
            }
            files.append(try KubeconfigFile(path: path, text: text))
        }
        guard !files.isEmpty else {
            throw KubeConfigError(source: paths.joined(separator: ":"), field: "", reason: "no kubeconfig file found")
        }
        return try resolve(files, context: context)
    }

    /// Parses one kubeconfig document given as text (relative file paths resolve against `directory`).
    public static func parse(_ text: String, source: String = "<memory>", directory: String? = nil,
                             context: String? = nil) throws -> KubeConfig {
        var file = try KubeconfigFile(path: source, text: text)
        if let directory { file.retarget(directory: directory) }
        return try resolve([file], context: context)
    }

    static func resolve(_ files: [KubeconfigFile], context explicitContext: String?) throws -> KubeConfig {
        func first(_ pick: (KubeconfigFile) -> Entry?) -> Entry? {
            for file in files { if let entry = pick(file) { return entry } }
            return nil
        }
        let sourceNames = files.map(\.path).joined(separator: ":")
        let currentContext = explicitContext ?? files.lazy.compactMap(\.currentContext).first { !$0.isEmpty }
        guard let contextName = currentContext else {
            throw KubeConfigError(source: sourceNames, field: "current-context",
                                  reason: "no current context is set and no context was given")
        }
        guard let context = first({ $0.contexts[contextName] }) else {
            throw KubeConfigError(source: sourceNames, field: "contexts",
                                  reason: "context \"\(contextName)\" is not defined")
        }
        let ctxField = "contexts[\(contextName)].context"
        guard let clusterName = context.value["cluster"]?.stringValue, !clusterName.isEmpty else {
            throw KubeConfigError(source: context.file.path, field: ctxField + ".cluster", reason: "must name a cluster")
        }
        guard let cluster = first({ $0.clusters[clusterName] }) else {
            throw KubeConfigError(source: sourceNames, field: "clusters",
                                  reason: "cluster \"\(clusterName)\" (used by context \"\(contextName)\") is not defined")
        }
        let clusterField = "clusters[\(clusterName)].cluster"
        guard let serverText = cluster.value["server"]?.stringValue, let server = URL(string: serverText),
              let scheme = server.scheme, ["http", "https"].contains(scheme), server.host != nil else {
            throw KubeConfigError(source: cluster.file.path, field: clusterField + ".server",
                                  reason: "must be an http(s) URL with a host")
        }
        let trimmed = serverText.hasSuffix("/") ? String(serverText.dropLast()) : serverText
        var config = KubeConfig(server: URL(string: trimmed)!, origin: "kubeconfig \(sourceNames) context \(contextName)")
        for key in ["proxy-url", "disable-compression"] where cluster.value[key] != nil {
            throw KubeConfigError(source: cluster.file.path, field: clusterField + "." + key, reason: "is not supported")
        }
        config.insecureSkipTLSVerify = cluster.value["insecure-skip-tls-verify"]?.boolValue ?? false
        config.tlsServerName = cluster.value["tls-server-name"]?.stringValue
        config.certificateAuthorityPEM = try cluster.bytes(dataKey: "certificate-authority-data",
                                                           fileKey: "certificate-authority", field: clusterField)
        if config.insecureSkipTLSVerify, config.certificateAuthorityPEM != nil {
            throw KubeConfigError(source: cluster.file.path, field: clusterField + ".insecure-skip-tls-verify",
                                  reason: "cannot be combined with a certificate authority")
        }
        if let namespace = context.value["namespace"]?.stringValue, !namespace.isEmpty { config.namespace = namespace }

        if let userName = context.value["user"]?.stringValue, !userName.isEmpty {
            guard let user = first({ $0.users[userName] }) else {
                throw KubeConfigError(source: sourceNames, field: "users",
                                      reason: "user \"\(userName)\" (used by context \"\(contextName)\") is not defined")
            }
            let userField = "users[\(userName)].user"
            let unsupported = [
                ("exec", "exec credential plugins are not supported; use a token, tokenFile or client certificate"),
                ("auth-provider", "auth-provider plugins are not supported; use a token, tokenFile or client certificate"),
                ("username", "basic authentication (username/password) is not supported"),
                ("password", "basic authentication (username/password) is not supported"),
                ("as", "impersonation is not supported"),
            ]
            for (key, reason) in unsupported where user.value[key] != nil {
                throw KubeConfigError(source: user.file.path, field: userField + "." + key, reason: reason)
            }
            config.clientCertificatePEM = try user.bytes(dataKey: "client-certificate-data",
                                                         fileKey: "client-certificate", field: userField)
            config.clientKeyPEM = try user.bytes(dataKey: "client-key-data", fileKey: "client-key", field: userField)
            if (config.clientCertificatePEM == nil) != (config.clientKeyPEM == nil) {
                throw KubeConfigError(source: user.file.path, field: userField,
                                      reason: "client-certificate and client-key must be given together")
            }
            if let token = user.value["token"]?.stringValue, !token.isEmpty {
                config.token = TokenSource(.value(token))
            } else if let tokenFile = user.value["tokenFile"]?.stringValue, !tokenFile.isEmpty {
                config.token = TokenSource(.file(user.file.resolve(tokenFile)))
            }
        }
        return config
    }
}

/// One parsed kubeconfig file: its named clusters, users and contexts.
struct KubeconfigFile {
    var path: String
    var directory: String
    var currentContext: String?
    var clusters: [String: Entry] = [:]
    var users: [String: Entry] = [:]
    var contexts: [String: Entry] = [:]

    init(path: String, text: String) throws {
        self.path = path
        self.directory = (path as NSString).deletingLastPathComponent
        let document: JSONValue
        do {
            document = try YAMLReader.document(text)
        } catch {
            throw KubeConfigError(source: path, field: "", reason: "not valid YAML: \(error)")
        }
        if document.isNull { return }
        guard case .object = document else {
            throw KubeConfigError(source: path, field: "", reason: "must be a YAML mapping")
        }
        currentContext = document["current-context"]?.stringValue
        let file = FileRef(path: path, directory: directory)
        clusters = try Self.named(document, list: "clusters", inner: "cluster", file: file)
        users = try Self.named(document, list: "users", inner: "user", file: file)
        contexts = try Self.named(document, list: "contexts", inner: "context", file: file)
    }

    mutating func retarget(directory: String) {
        self.directory = directory
        for name in clusters.keys { clusters[name]!.file.directory = directory }
        for name in users.keys { users[name]!.file.directory = directory }
        for name in contexts.keys { contexts[name]!.file.directory = directory }
    }

    private static func named(_ document: JSONValue, list: String, inner: String, file: FileRef) throws -> [String: Entry] {
        guard let value = document[list], !value.isNull else { return [:] }
        guard let items = value.arrayValue else {
            throw KubeConfigError(source: file.path, field: list, reason: "must be a list")
        }
        var out: [String: Entry] = [:]
        for (i, item) in items.enumerated() {
            guard let name = item["name"]?.stringValue, !name.isEmpty else {
                throw KubeConfigError(source: file.path, field: "\(list)[\(i)].name", reason: "is required")
            }
            let body = item[inner] ?? .object(JSONObject())
            guard case .object = body else {
                throw KubeConfigError(source: file.path, field: "\(list)[\(name)].\(inner)", reason: "must be a mapping")
            }
            // Within one file the first definition wins, as in client-go's merge.
            if out[name] == nil { out[name] = Entry(value: body, file: file) }
        }
        return out
    }
}

struct FileRef {
    var path: String
    var directory: String

    func resolve(_ file: String) -> String {
        file.hasPrefix("/") || directory.isEmpty ? file : directory + "/" + file
    }
}

struct Entry {
    var value: JSONValue
    var file: FileRef

    /// Reads base64 `dataKey` or the file named by `fileKey`; both given is an error, as in client-go.
    func bytes(dataKey: String, fileKey: String, field: String) throws -> [UInt8]? {
        let data = value[dataKey]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let fileName = value[fileKey]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if data != nil, fileName != nil {
            throw KubeConfigError(source: file.path, field: field + "." + dataKey,
                                  reason: "cannot be given together with \(fileKey)")
        }
        if let data {
            guard let decoded = Data(base64Encoded: data, options: .ignoreUnknownCharacters) else {
                throw KubeConfigError(source: file.path, field: field + "." + dataKey, reason: "is not valid base64")
            }
            return Array(decoded)
        }
        if let fileName {
            let resolved = file.resolve(fileName)
            guard let contents = FileManager.default.contents(atPath: resolved) else {
                throw KubeConfigError(source: file.path, field: field + "." + fileKey,
                                      reason: "cannot read \(resolved)")
            }
            return Array(contents)
        }
        return nil
    }
}
