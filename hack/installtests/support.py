"""Shared by the install tests: the test registry, Helm renders (cached), the operator's expected RBAC, the
kustomize build, and small helpers. hack/test-install.py runs every registered test."""
import subprocess
import yaml
from helmrender import ROOT, helm, render
from rbac import Request

NS = 'semroute-system'
RELEASE = 'semroute'
TESTS = []
OPTIONS = {'metrics_report_only': False}  # set by hack/test-install.py


def test(name):
    def register(function):
        TESTS.append((name, function))
        return function
    return register


class Skip(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


# ---------------------------------------------------------------------------------------------- RBAC

READ = {'get', 'list', 'watch'}
APPLY = READ | {'create', 'patch', 'delete'}  # server-side apply is a PATCH; prune is a DELETE
# (apiGroup, resource) -> verbs: the operator's contract (issue 4, DESIGN §3), nothing more.
EXPECTED_RULES = {
    ('semroute.io', 'semanticroutes'): READ | {'patch'},
    ('semroute.io', 'semanticroutes/status'): {'patch'},
    ('semroute.io', 'semanticroutes/finalizers'): {'update'},
    ('aigateway.envoyproxy.io', 'aigatewayroutes'): APPLY,
    ('aigateway.envoyproxy.io', 'aiservicebackends'): APPLY,
    ('aigateway.envoyproxy.io', 'backendsecuritypolicies'): APPLY,
    ('gateway.envoyproxy.io', 'backends'): APPLY,
    ('gateway.envoyproxy.io', 'backendtrafficpolicies'): APPLY,
    ('gateway.envoyproxy.io', 'envoypatchpolicies'): APPLY,
    ('gateway.envoyproxy.io', 'clienttrafficpolicies'): APPLY,
    ('', 'configmaps'): APPLY,
    ('', 'services'): APPLY,
    ('apps', 'deployments'): APPLY,
    ('autoscaling', 'horizontalpodautoscalers'): APPLY,
    ('policy', 'poddisruptionbudgets'): APPLY,
    ('', 'secrets'): READ,
    ('gateway.networking.k8s.io', 'gateways'): READ,
    ('events.k8s.io', 'events'): {'create', 'patch'},
}
# Kinds `semroute render` may produce -> (apiGroup, resource), to check RBAC covers every rendered kind.
RENDERED_KINDS = {
    'AIGatewayRoute': ('aigateway.envoyproxy.io', 'aigatewayroutes'),
    'AIServiceBackend': ('aigateway.envoyproxy.io', 'aiservicebackends'),
    'BackendSecurityPolicy': ('aigateway.envoyproxy.io', 'backendsecuritypolicies'),
    'Backend': ('gateway.envoyproxy.io', 'backends'),
    'BackendTrafficPolicy': ('gateway.envoyproxy.io', 'backendtrafficpolicies'),
    'EnvoyPatchPolicy': ('gateway.envoyproxy.io', 'envoypatchpolicies'),
    'ClientTrafficPolicy': ('gateway.envoyproxy.io', 'clienttrafficpolicies'),
    'ConfigMap': ('', 'configmaps'),
    'Service': ('', 'services'),
    'Deployment': ('apps', 'deployments'),
    'HorizontalPodAutoscaler': ('autoscaling', 'horizontalpodautoscalers'),
    'PodDisruptionBudget': ('policy', 'poddisruptionbudgets'),
}


def grants(role):
    """A Role/ClusterRole's rules as a set of (apiGroup, resource, verb, resourceName-or-'')."""
    out = set()
    for rule in role.get('rules') or []:
        expect(not rule.get('nonResourceURLs'), f'{role["metadata"]["name"]}: nonResourceURLs granted: {rule}')
        for field in ('apiGroups', 'resources', 'verbs', 'resourceNames'):
            expect('*' not in (rule.get(field) or []), f'{role["metadata"]["name"]}: wildcard in {field}: {rule}')
        for group in rule['apiGroups']:
            for resource in rule['resources']:
                for verb in rule['verbs']:
                    for name in rule.get('resourceNames') or ['']:
                        out.add((group, resource, verb, name))
    return out


# The ClusterRole that lets the operator read the installed AIGatewayRoute CRD (--ai-gateway-version=auto).
CRD_READER_GRANTS = {('apiextensions.k8s.io', 'customresourcedefinitions', 'get', 'aigatewayroutes.aigateway.envoyproxy.io')}


def expected_grants():
    return {(g, r, v, '') for (g, r), verbs in EXPECTED_RULES.items() for v in verbs}


def describe(grant_set):
    return sorted('/'.join(x for x in g if x) or g for g in grant_set)


def lease_grants(lease):
    return {('coordination.k8s.io', 'leases', 'create', ''),
            ('coordination.k8s.io', 'leases', 'get', lease), ('coordination.k8s.io', 'leases', 'update', lease)}


def container(rendered, name=RELEASE):
    return rendered.one('Deployment', name, NS)['spec']['template']['spec']['containers'][0]


def args_of(rendered):
    return container(rendered)['args']


def flag(args, name):
    return [a.split('=', 1)[1] for a in args if a.startswith(f'--{name}=')]


def expect_render_fails(values, *needles):
    try:
        rendered = render(values)
    except helm.HelmError as error:
        text = str(error)
        for needle in needles:
            expect(needle in text, f'error for {values} does not mention {needle!r}: {text}')
        return text
    raise AssertionError(f'{values} was accepted; rendered {len(rendered.objects)} objects')


_default = None


def default():
    global _default
    if _default is None:
        _default = render()
    return _default


# ------------------------------------------------------------ RBAC, as kube-apiserver would authorize

OPERATOR = (NS, 'semroute')


def req(verb, resource, group='', namespace=None, name=None, subresource=None):
    return Request(verb=verb, resource=resource, group=group, namespace=namespace, name=name, subresource=subresource)


# What the operator does against a real API server (issue 4): watch-based stores over all namespaces,
# server-side apply (PATCH) and prune (DELETE) of rendered objects, status and finalizer writes, Events,
# leader election on its Lease.
OPERATOR_REQUESTS = [
    req('list', 'semanticroutes', 'semroute.io'), req('watch', 'semanticroutes', 'semroute.io'),
    req('patch', 'semanticroutes', 'semroute.io', 'llm', 'mom'),
    req('patch', 'semanticroutes', 'semroute.io', 'llm', 'mom', 'status'),
    req('update', 'semanticroutes', 'semroute.io', 'llm', 'mom', 'finalizers'),
    req('list', 'secrets'), req('watch', 'secrets'), req('get', 'secrets', '', 'llm', 'openai-key'),
    req('list', 'gateways', 'gateway.networking.k8s.io'), req('watch', 'gateways', 'gateway.networking.k8s.io'),
    req('create', 'events', 'events.k8s.io', 'llm'), req('patch', 'events', 'events.k8s.io', 'llm', 'mom.1'),
    req('get', 'leases', 'coordination.k8s.io', NS, 'semroute-leader'),
    req('create', 'leases', 'coordination.k8s.io', NS),
    req('update', 'leases', 'coordination.k8s.io', NS, 'semroute-leader'),
    Request(verb='get', path='/apis'), Request(verb='get', path='/api/v1'), Request(verb='get', path='/version'),
    req('get', 'customresourcedefinitions', 'apiextensions.k8s.io', None, 'aigatewayroutes.aigateway.envoyproxy.io'),
] + [req(verb, resource, group, *target)
     for (group, resource) in [k for k, v in EXPECTED_RULES.items() if v == APPLY]
     for verb, target in [('list', ()), ('watch', ()), ('get', ('llm', 'mom')), ('patch', ('llm', 'mom')),
                          ('patch', ('envoy-gateway-system', 'semroute-llm-mom')), ('delete', ('llm', 'mom'))]]

# Requests the operator must never be able to make.
FORBIDDEN_REQUESTS = [
    req('create', 'secrets', '', 'llm'), req('patch', 'secrets', '', 'llm', 'openai-key'),
    req('delete', 'secrets', '', 'llm', 'openai-key'),
    req('list', 'pods'), req('create', 'pods', '', 'llm', subresource='exec', name='x'),
    req('delete', 'semanticroutes', 'semroute.io', 'llm', 'mom'), req('create', 'semanticroutes', 'semroute.io', 'llm'),
    req('update', 'semanticroutes', 'semroute.io', 'llm', 'mom'),
    req('patch', 'semanticroutes', 'semroute.io', 'llm', 'mom', 'scale'),
    req('patch', 'customresourcedefinitions', 'apiextensions.k8s.io', None, 'semanticroutes.semroute.io'),
    req('get', 'customresourcedefinitions', 'apiextensions.k8s.io', None, 'secrets-operator.example.com'),
    req('list', 'customresourcedefinitions', 'apiextensions.k8s.io'),
    req('update', 'deployments', 'apps', 'llm', 'mom-classifier'),  # SSA is a PATCH; PUT would clobber others' fields
    req('deletecollection', 'configmaps', '', 'llm'),
    req('patch', 'gateways', 'gateway.networking.k8s.io', 'envoy-gateway-system', 'eg'),
    req('update', 'leases', 'coordination.k8s.io', NS, 'someone-elses-lease'),
    req('get', 'leases', 'coordination.k8s.io', 'kube-system', 'semroute-leader'),
    req('create', 'events', ''),  # core/v1 Events: the operator records events.k8s.io/v1 only
    req('create', 'clusterrolebindings', 'rbac.authorization.k8s.io'),
    Request(verb='get', path='/metrics'), Request(verb='post', path='/apis'),
]


# ------------------------------------------------------------------------------------------ kustomize

_kustomized = None


def kustomized():
    global _kustomized
    if _kustomized is None:
        try:
            out = subprocess.run(['kubectl', 'kustomize', str(ROOT / 'manifests/default')], capture_output=True, text=True)
        except FileNotFoundError:
            raise AssertionError('kubectl is not installed (needed for `kubectl kustomize`)')
        expect(out.returncode == 0, f'kubectl kustomize manifests/default: {out.stderr}')
        _kustomized = [d for d in yaml.safe_load_all(out.stdout) if d]
    return _kustomized


def by_key(objects):
    return {(o['kind'], o['metadata']['name'], o['metadata'].get('namespace', '')): o for o in objects}
