import KubeCore
import SemanticRouteAPI

/// Per backend: an Envoy Gateway Backend (where), an AIServiceBackend (which API) and, with auth,
/// a BackendSecurityPolicy (how to authenticate, by Secret reference).
extension RenderContext {
    func backendObjects() -> [DesiredObject] {
        spec.backends.flatMap { b -> [DesiredObject] in
            var out = [envoyBackend(b), aiServiceBackend(b)]
            if let policy = securityPolicy(b) { out.append(policy) }
            return out
        }
    }

    /// Host, port and TLS of a backend: its Service, its URL, or the preset's default endpoint.
    func location(_ b: Backend) -> URLParts? {
        if let svc = b.endpoint?.service {
            guard var parts = URLParts("http://\(svc.name).\(svc.namespace ?? route.namespace).svc.cluster.local") else { return nil }
            parts.port = svc.port
            return parts
        }
        if let url = b.endpoint?.url { return URLParts(url) }
        guard let template = b.provider.defaultEndpoint else { return nil }
        return URLParts(template.replacingOccurrences(of: "REGION", with: b.region ?? ""))
    }

    func envoyBackend(_ b: Backend) -> DesiredObject {
        let where_ = location(b)
        var spec = JSONObject()
        if let where_ {
            spec["endpoints"] = [["fqdn": ["hostname": .string(where_.host), "port": JSONValue(where_.port)]]]
            if where_.tls {
                spec["tls"] = ["wellKnownCACertificates": "System", "sni": .string(where_.host)]
            }
        }
        return object(RenderedKinds.backends, name: names.backend(b.name),
                      labels: [(RouteLabels.componentKey, "backend")], spec: .object(spec))
    }

    func aiServiceBackend(_ b: Backend) -> DesiredObject {
        let s = b.effectiveSchema
        var schema = JSONObject([("name", .string(s.name.rawValue))])
        if s.name.usesPrefix, let prefix = s.prefix { schema["prefix"] = .string(prefix) }
        if !s.name.usesPrefix, let version = s.version { schema["version"] = .string(version) }
        return object(RenderedKinds.aiServiceBackends, name: names.backend(b.name),
                      labels: [(RouteLabels.componentKey, "backend")], spec: [
            "schema": .object(schema),
            "backendRef": ["name": .string(names.backend(b.name)), "kind": "Backend", "group": "gateway.envoyproxy.io"],
        ])
    }

    func securityPolicy(_ b: Backend) -> DesiredObject? {
        guard let auth = b.auth, let kind = auth.kinds.first else { return nil }
        let secret = { (ref: SecretKeyReference) -> JSONValue in ["name": .string(ref.name)] }
        var spec = JSONObject([
            ("type", .string(kind.policyType)),
            ("targetRefs", [["group": "aigateway.envoyproxy.io", "kind": "AIServiceBackend", "name": .string(names.backend(b.name))]]),
        ])
        switch kind {
        case .apiKey: spec["apiKey"] = ["secretRef": secret(auth.apiKey!.secretRef)]
        case .anthropicAPIKey: spec["anthropicAPIKey"] = ["secretRef": secret(auth.anthropicAPIKey!.secretRef)]
        case .azureAPIKey: spec["azureAPIKey"] = ["secretRef": secret(auth.azureAPIKey!.secretRef)]
        case .awsCredentials:
            let aws = auth.awsCredentials!
            var o = JSONObject([("region", .string(aws.region))])
            if let ref = aws.secretRef {
                var file = JSONObject([("secretRef", secret(ref))])
                if let profile = aws.profile { file["profile"] = .string(profile) }
                o["credentialsFile"] = .object(file)
            }
            spec["awsCredentials"] = .object(o)
        case .azureCredentials:
            let azure = auth.azureCredentials!
            spec["azureCredentials"] = [
                "clientID": .string(azure.clientID), "tenantID": .string(azure.tenantID),
                "clientSecretRef": secret(azure.clientSecretRef),
            ]
        case .gcpCredentials:
            let gcp = auth.gcpCredentials!
            var o = JSONObject([("projectName", .string(gcp.projectName)), ("region", .string(gcp.region))])
            if let ref = gcp.secretRef { o["credentialsFile"] = ["secretRef": secret(ref)] }
            spec["gcpCredentials"] = .object(o)
        }
        return object(RenderedKinds.backendSecurityPolicies, name: names.backend(b.name),
                      labels: [(RouteLabels.componentKey, "backend")], spec: .object(spec))
    }
}
