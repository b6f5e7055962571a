"""A minimal in-memory Kubernetes API server, just enough for Helm's install action (helm-sdkpy) in
hack/test-install.py: /version, legacy discovery for the kinds the chart uses, and create/get/list/
replace/delete of JSON objects. No validation, admission, watch or RBAC: it records what Helm sends so
the test can check the installed objects. Not a stand-in for KubeLocal (Sources/KubeLocal), which the
scenario tests use; run Helm with HELM_DRIVER=memory so releases are not stored as protobuf Secrets."""
import copy, http.server, itertools, json, threading, urllib.parse, uuid

# group/version -> [(resource, kind, namespaced)]
RESOURCES = {
    'v1': [('namespaces', 'Namespace', False), ('secrets', 'Secret', True), ('configmaps', 'ConfigMap', True),
           ('services', 'Service', True), ('serviceaccounts', 'ServiceAccount', True), ('events', 'Event', True)],
    'apps/v1': [('deployments', 'Deployment', True)],
    'rbac.authorization.k8s.io/v1': [('clusterroles', 'ClusterRole', False), ('clusterrolebindings', 'ClusterRoleBinding', False),
                                     ('roles', 'Role', True), ('rolebindings', 'RoleBinding', True)],
    'apiextensions.k8s.io/v1': [('customresourcedefinitions', 'CustomResourceDefinition', False)],
    'monitoring.coreos.com/v1': [('servicemonitors', 'ServiceMonitor', True), ('prometheusrules', 'PrometheusRule', True),
                                 ('podmonitors', 'PodMonitor', True)],
    'policy/v1': [('poddisruptionbudgets', 'PodDisruptionBudget', True)],
    'autoscaling/v2': [('horizontalpodautoscalers', 'HorizontalPodAutoscaler', True)],
    'coordination.k8s.io/v1': [('leases', 'Lease', True)],
}

class FakeKube:
    def __init__(self):
        self.objects = {}  # (gv, resource, namespace, name) -> object
        self.created = []  # every object created, in order
        self.requests = []
        self.rv = itertools.count(1)
        self.lock = threading.Lock()
        handler = type('Handler', (_Handler,), {'kube': self})
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self): return f'http://127.0.0.1:{self.server.server_address[1]}'

    def kubeconfig(self):
        return (f"apiVersion: v1\nkind: Config\nclusters: [{{name: fake, cluster: {{server: '{self.url}'}}}}]\n"
                "contexts: [{name: fake, context: {cluster: fake, user: test}}]\ncurrent-context: fake\n"
                "users: [{name: test, user: {token: test}}]\n")

    def close(self): self.server.shutdown()

class _Handler(http.server.BaseHTTPRequestHandler):
    kube = None
    def log_message(self, *a): pass
    def reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code); self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data))); self.end_headers(); self.wfile.write(data)
    def status(self, code, reason, message=''):
        self.reply(code, {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure',
                          'reason': reason, 'message': message, 'code': code})
    def handle_any(self):
        n = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(n) if n else b''
        if raw and 'json' not in (self.headers.get('Content-Type') or ''):
            return self.status(415, 'UnsupportedMediaType', f'fakekube speaks JSON only, got {self.headers.get("Content-Type")}')
        body = json.loads(raw) if raw else None
        url = urllib.parse.urlsplit(self.path); query = urllib.parse.parse_qs(url.query)
        parts = [p for p in url.path.split('/') if p]
        self.kube.requests.append((self.command, url.path, query))
        if parts == ['version']:
            return self.reply(200, {'major': '1', 'minor': '32', 'gitVersion': 'v1.32.0', 'platform': 'linux/amd64'})
        if parts == ['api']:
            return self.reply(200, {'kind': 'APIVersions', 'versions': ['v1'], 'serverAddressByClientCIDRs': []})
        if parts == ['apis']:
            groups = {}
            for gv in RESOURCES:
                if '/' in gv:
                    g, v = gv.split('/'); groups.setdefault(g, []).append({'groupVersion': gv, 'version': v})
            return self.reply(200, {'kind': 'APIGroupList', 'apiVersion': 'v1', 'groups': [
                {'name': g, 'versions': vs, 'preferredVersion': vs[0]} for g, vs in groups.items()]})
        if parts[:1] == ['api']: gv, rest = 'v1', parts[2:]
        elif parts[:1] == ['apis'] and len(parts) >= 3: gv, rest = parts[1] + '/' + parts[2], parts[3:]
        else: return self.status(404, 'NotFound', url.path)
        if gv not in RESOURCES: return self.status(404, 'NotFound', gv)
        if not rest:
            return self.reply(200, {'kind': 'APIResourceList', 'apiVersion': 'v1', 'groupVersion': gv, 'resources': [
                {'name': r, 'singularName': '', 'kind': k, 'namespaced': ns,
                 'verbs': ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']} for r, k, ns in RESOURCES[gv]]})
        ns = None
        if rest[0] == 'namespaces' and len(rest) >= 3: ns, rest = rest[1], rest[2:]
        resource, name = rest[0], (rest[1] if len(rest) > 1 else None)
        kinds = {r: k for r, k, _ in RESOURCES[gv]}
        if resource not in kinds: return self.status(404, 'NotFound', resource)
        store = self.kube.objects
        with self.kube.lock:
            if name is None and self.command == 'GET':
                sel = dict(kv.split('=', 1) for kv in query.get('labelSelector', [''])[0].split(',') if '=' in kv)
                items = [o for (g, r, n, _), o in store.items() if g == gv and r == resource and (ns is None or n == ns)
                         and all(o['metadata'].get('labels', {}).get(k) == v for k, v in sel.items())]
                return self.reply(200, {'kind': kinds[resource] + 'List', 'apiVersion': gv,
                                        'metadata': {'resourceVersion': str(next(self.kube.rv))}, 'items': items})
            if name is None and self.command == 'POST':
                name = body['metadata']['name']
                key = (gv, resource, ns, name)
                if key in store: return self.status(409, 'AlreadyExists', f'{resource} "{name}" already exists')
                obj = copy.deepcopy(body); meta = obj['metadata']
                if ns: meta['namespace'] = ns
                meta.update(uid=str(uuid.uuid4()), resourceVersion=str(next(self.kube.rv)),
                            creationTimestamp='2026-01-01T00:00:00Z')
                if kinds[resource] == 'CustomResourceDefinition':
                    obj['status'] = {'conditions': [{'type': 'Established', 'status': 'True'},
                                                    {'type': 'NamesAccepted', 'status': 'True'}],
                                     'acceptedNames': obj['spec']['names']}
                store[key] = obj
                self.kube.created.append(obj)
                return self.reply(201, obj)
            key = (gv, resource, ns, name)
            if key not in store: return self.status(404, 'NotFound', f'{resource} "{name}" not found')
            if self.command == 'GET': return self.reply(200, store[key])
            if self.command == 'PUT':
                obj = copy.deepcopy(body); obj['metadata']['resourceVersion'] = str(next(self.kube.rv))
                store[key] = obj; return self.reply(200, obj)
            if self.command == 'DELETE':
                return self.reply(200, store.pop(key))
        return self.status(405, 'MethodNotAllowed', self.command)
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any
