"""RBAC as kube-apiserver would authorize it (hack/rbac.py): what the operator does is allowed, the rest denied."""
import os, re, subprocess
import yaml
from helmrender import ROOT, render
from rbac import Authorizer, Request
from .support import (
    EXPECTED_RULES, FORBIDDEN_REQUESTS, NS, OPERATOR, OPERATOR_REQUESTS, RENDERED_KINDS, Skip, args_of, default, expect,
    kustomized, req, test,
)


@test('the RBAC evaluator follows kube-apiserver\'s rules (wildcards, subresources, resourceNames, RoleBinding scope)')
def _():
    sa = {'kind': 'ServiceAccount', 'name': 'op', 'namespace': 'sys'}
    objects = [
        {'kind': 'ClusterRole', 'metadata': {'name': 'wide'}, 'rules': [
            {'apiGroups': ['*'], 'resources': ['widgets', '*/status'], 'verbs': ['get']},
            {'apiGroups': [''], 'resources': ['configmaps'], 'resourceNames': ['only'], 'verbs': ['*']}]},
        {'kind': 'ClusterRole', 'metadata': {'name': 'narrow'}, 'rules': [
            {'apiGroups': ['apps'], 'resources': ['deployments'], 'verbs': ['list']}]},
        {'kind': 'ClusterRoleBinding', 'metadata': {'name': 'wide'}, 'roleRef': {'kind': 'ClusterRole', 'name': 'wide'}, 'subjects': [sa]},
        {'kind': 'RoleBinding', 'metadata': {'name': 'narrow', 'namespace': 'a'},
         'roleRef': {'kind': 'ClusterRole', 'name': 'narrow'}, 'subjects': [sa]},
    ]
    auth, who = Authorizer(objects), ('sys', 'op')
    cases = [
        (req('get', 'widgets', 'x.io', 'n', 'w'), True), (req('get', 'widgets', 'x.io', 'n', 'w', 'scale'), False),
        (req('get', 'anything', 'y.io', 'n', 'w', 'status'), True), (req('list', 'widgets', 'x.io'), False),
        (req('delete', 'configmaps', '', 'n', 'only'), True), (req('delete', 'configmaps', '', 'n', 'other'), False),
        (req('create', 'configmaps', '', 'n'), False),  # resourceNames never match a create
        (req('list', 'deployments', 'apps', 'a'), True), (req('list', 'deployments', 'apps', 'b'), False),
        (req('list', 'deployments', 'apps'), False),  # a RoleBinding never grants cluster-wide
    ]
    for request, want in cases:
        expect(auth.allowed(request, who) == want, f'{request}: expected {"allowed" if want else "denied"}')
    expect(not auth.allowed(req('get', 'widgets', 'x.io', 'n', 'w'), ('sys', 'intruder')), 'unbound account allowed')


@test('the chart\'s RBAC allows every request the operator makes and denies what it must never do')
def _():
    auth = Authorizer(default().objects)
    denied = auth.denied(OPERATOR_REQUESTS, OPERATOR)
    expect(not denied, 'denied: ' + '; '.join(map(str, denied)))
    allowed = [r for r in FORBIDDEN_REQUESTS if auth.allowed(r, OPERATOR)]
    expect(not allowed, 'allowed: ' + '; '.join(map(str, allowed)))
    k = Authorizer(kustomized())
    expect(not k.denied(OPERATOR_REQUESTS, OPERATOR) and not [r for r in FORBIDDEN_REQUESTS if k.allowed(r, OPERATOR)],
           'the kustomize install authorizes differently')


@test('in namespaced mode the operator may act only inside its watched namespaces')
def _():
    auth = Authorizer(render({'watchNamespaces': ['llm', 'envoy-gateway-system']}).objects)
    inside = [r for r in OPERATOR_REQUESTS if r.resource and r.resource not in ('leases', 'customresourcedefinitions')]
    for request in inside:
        scoped = Request(**{**request.__dict__, 'namespace': request.namespace or 'llm'})
        expect(auth.allowed(scoped, OPERATOR), f'denied inside a watched namespace: {scoped}')
        if not request.namespace:
            expect(not auth.allowed(request, OPERATOR), f'allowed across all namespaces: {request}')
        outside = Request(**{**request.__dict__, 'namespace': 'team-z'})
        expect(not auth.allowed(outside, OPERATOR), f'allowed outside the watched namespaces: {outside}')
    expect(auth.allowed(req('update', 'leases', 'coordination.k8s.io', NS, 'semroute-leader'), OPERATOR), 'lease')
    crd = req('get', 'customresourcedefinitions', 'apiextensions.k8s.io', None, 'aigatewayroutes.aigateway.envoyproxy.io')
    expect(auth.allowed(crd, OPERATOR), 'the AIGatewayRoute CRD cannot be read in namespaced mode')


@test('`semroute operator --help` knows every flag the chart passes (SEMROUTE_BIN)')
def _():
    binary = os.environ.get('SEMROUTE_BIN')
    if not binary:
        raise Skip('SEMROUTE_BIN not set')
    passed = set()
    for values in (None, {'watchNamespaces': ['a']}, {'classifier': {'resources': {'requests': {'cpu': '1'}}}}):
        for arg in args_of(render(values))[1:]:
            passed.add(arg.split('=', 1)[0])
    out = subprocess.run([binary, 'operator', '--help'], capture_output=True, text=True)
    text = out.stdout + out.stderr
    unknown = sorted(f for f in passed if not re.search(rf'{re.escape(f)}\b(?!-)', text))
    expect(not unknown, f'the chart passes flags `semroute operator` does not define: {unknown}')


@test('every custom resource the RBAC names is a plural some CRD serves (ours or the upstream ones in shared/crds/upstream)')
def _():
    upstream = ROOT.parent / 'shared' / 'crds' / 'upstream'
    if not upstream.is_dir():
        raise Skip(f'{upstream} not found')
    served = {}  # (group, plural) -> (kind, subresources)
    for path in [*upstream.glob('*.yaml'), ROOT / 'crds/semroute.io_semanticroutes.yaml']:
        for crd in yaml.safe_load_all(path.read_text()):
            if crd and crd.get('kind') == 'CustomResourceDefinition':
                spec = crd['spec']
                subresources = set().union(*[set((v.get('subresources') or {}).keys()) for v in spec['versions']])
                served[(spec['group'], spec['names']['plural'])] = (spec['names']['kind'], subresources | {'finalizers'})
    custom = {(g, r) for g, r in EXPECTED_RULES if g in {grp for grp, _ in served}}
    expect(len(custom) >= 10, f'only {sorted(custom)} are custom resources')
    for group, resource in custom:
        plural, _, sub = resource.partition('/')
        expect((group, plural) in served, f'{resource}.{group}: no CRD serves it')
        expect(not sub or sub in served[(group, plural)][1], f'{resource}.{group}: the CRD has no {sub} subresource')
    for kind, (group, resource) in RENDERED_KINDS.items():
        if (group, resource) in served:
            expect(served[(group, resource)][0] == kind, f'{resource}.{group} serves {served[(group, resource)][0]}, not {kind}')
