#!/usr/bin/env python3
"""Install tests, no cluster needed: the Helm chart (lint, and installed by Helm's own engine with several value
sets into hack/fakekube.py), its RBAC (exactly the operator's permissions, no wildcard; requests authorized
as kube-apiserver would, hack/rbac.py), the values schema (bad values fail naming the field), strict
Kubernetes v1.32 schema validation of every object, the kustomize install (renders, and equals the chart's
defaults), the chart's CRD copy, the Grafana dashboard and alerts (PromQL that parses, over metric names and
labels the code exports; alerts unit-tested with `promtool test rules` when promtool is installed), and the
Dockerfile's shape.

Needs: pip install --ignore-requires-python helm-sdkpy cffi pycparser
       pip install kubernetes-validate promql-parser PyYAML;  kubectl (for kustomize)
       apt-get install prometheus (for promtool; that test is skipped without it)
With SEMROUTE_BIN=<a built semroute>, also checks RBAC against every kind `semroute render` produces for the
samples and that `semroute operator --help` defines every flag the chart passes (skipped otherwise).

Usage: hack/test-install.py [-k SUBSTRING] [--metrics-report-only]
  --metrics-report-only  print the queried metric names/labels the code does not export instead of failing
                         (for a branch where the operator or classifier has not landed yet; CI runs without it)
  SEMROUTE_METRIC_SOURCES=dir1:dir2  extra source folders searched for metric names (besides Sources/)"""
import helmrender  # first: re-runs this script with HELM_DRIVER=memory when needed
import argparse, json, os, re, subprocess, sys, traceback
from pathlib import Path
import yaml
from helmrender import CHART, ROOT, helm, render
from rbac import Authorizer, Request

NS = 'semroute-system'
RELEASE = 'semroute'
TESTS = []


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


# --------------------------------------------------------------------------------------------- chart

@test('the chart lints without errors or warnings')
def _():
    result = helmrender.lint()
    bad = [m for m in result.get('Messages') or [] if m['Severity'] >= 2]
    expect(not bad and not result.get('Errors'), f'lint: {bad} {result.get("Errors")}')


@test('default values install the CRD, ServiceAccount, cluster RBAC, leader-election Role, Service and Deployment')
def _():
    r = default()
    kinds = sorted((o['apiVersion'], o['kind'], o['metadata']['name'], o['metadata'].get('namespace', ''))
                   for o in r.objects)
    expect(kinds == sorted([
        ('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'semanticroutes.semroute.io', ''),
        ('v1', 'ServiceAccount', 'semroute', NS),
        ('rbac.authorization.k8s.io/v1', 'ClusterRole', 'semroute', ''),
        ('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'semroute', ''),
        ('rbac.authorization.k8s.io/v1', 'Role', 'semroute-leader-election', NS),
        ('rbac.authorization.k8s.io/v1', 'RoleBinding', 'semroute-leader-election', NS),
        ('v1', 'Service', 'semroute-metrics', NS),
        ('apps/v1', 'Deployment', 'semroute', NS),
    ]), f'installed objects: {kinds}')
    expect(r.objects[0]['kind'] == 'CustomResourceDefinition', 'the CRD is not installed first')
    expect(len(r.documents) == len(r.objects) - 1, 'the template stream and the installed objects differ')


@test('the ClusterRole grants exactly the operator\'s verbs and resources, with no wildcard')
def _():
    role = default().one('ClusterRole', 'semroute')
    got, want = grants(role), expected_grants()
    expect(got == want, f'extra: {describe(got - want)}; missing: {describe(want - got)}')


@test('the bindings give the roles to the operator\'s ServiceAccount only')
def _():
    r = default()
    subject = [{'kind': 'ServiceAccount', 'name': 'semroute', 'namespace': NS}]
    crb = r.one('ClusterRoleBinding', 'semroute')
    expect(crb['subjects'] == subject and crb['roleRef'] == {
        'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'ClusterRole', 'name': 'semroute'}, f'{crb}')
    rb = r.one('RoleBinding', 'semroute-leader-election', NS)
    expect(rb['subjects'] == subject and rb['roleRef']['name'] == 'semroute-leader-election', f'{rb}')
    expect(r.one('Deployment')['spec']['template']['spec']['serviceAccountName'] == 'semroute',
           'the Deployment does not run as the bound ServiceAccount')


@test('the leader-election Role may create Leases and read/update only the operator\'s own Lease')
def _():
    r = default()
    lease = flag(args_of(r), 'leader-election-name')
    expect(lease == ['semroute-leader'], f'--leader-election-name: {lease}')
    got = grants(r.one('Role', 'semroute-leader-election', NS))
    expect(got == lease_grants('semroute-leader'), f'{describe(got)}')


@test('the operator runs with the pinned image, its flags, probes on the health port, and metrics on the Service port')
def _():
    r = default()
    c = container(r)
    args = c['args']
    expect(c['image'] == 'ghcr.io/semroute/semroute:0.1.0', c['image'])
    expect(args[0] == 'operator', f'first argument is {args[0]!r}, not the operator subcommand')
    expect(flag(args, 'classifier-image') == ['ghcr.io/semroute/semroute:0.1.0'], f'{args}')
    for name, value in [('log-format', 'json'), ('log-level', 'info'), ('concurrency', '4'),
                        ('metrics-addr', ':8080'), ('health-addr', ':8081'), ('leader-election-namespace', NS)]:
        expect(flag(args, name) == [value], f'--{name}: {flag(args, name)} in {args}')
    expect('--leader-elect' in args and not flag(args, 'namespace'), f'{args}')
    ports = {p['name']: p['containerPort'] for p in c['ports']}
    expect(ports == {'metrics': 8080, 'health': 8081}, f'{ports}')
    expect(c['livenessProbe']['httpGet'] == {'path': '/healthz', 'port': 'health'}, f'{c["livenessProbe"]}')
    expect(c['readinessProbe']['httpGet'] == {'path': '/readyz', 'port': 'health'}, f'{c["readinessProbe"]}')
    service = r.one('Service', 'semroute-metrics', NS)
    expect(service['spec']['ports'] == [{'name': 'metrics', 'port': 8080, 'targetPort': 'metrics', 'protocol': 'TCP'}],
           f'{service["spec"]["ports"]}')
    pod_labels = r.one('Deployment')['spec']['template']['metadata']['labels']
    expect(all(pod_labels.get(k) == v for k, v in service['spec']['selector'].items()), 'the Service selects no operator pod')


@test('the operator pod is non-root with a read-only root filesystem, no capabilities and RuntimeDefault seccomp')
def _():
    pod = default().one('Deployment')['spec']['template']['spec']
    sc = container(default())['securityContext']
    expect(pod['securityContext']['runAsNonRoot'] is True and pod['securityContext']['runAsUser'] == 65532, f'{pod}')
    expect(pod['securityContext']['seccompProfile'] == {'type': 'RuntimeDefault'}, f'{pod["securityContext"]}')
    expect(sc == {'allowPrivilegeEscalation': False, 'readOnlyRootFilesystem': True, 'runAsNonRoot': True,
                  'capabilities': {'drop': ['ALL']}}, f'{sc}')
    mounts = {m['mountPath'] for m in container(default())['volumeMounts']}
    expect(mounts == {'/tmp'}, f'writable mounts: {mounts}')
    resources = container(default())['resources']
    expect(resources['requests'] and resources['limits']['memory'], f'{resources}')


@test('two replicas turn leader election on even when leaderElection.enabled is false')
def _():
    r = render({'replicaCount': 2, 'leaderElection': {'enabled': False}})
    args = args_of(r)
    expect('--leader-elect' in args, f'{args}')
    expect(flag(args, 'leader-election-namespace') == [NS] and flag(args, 'leader-election-name') == ['semroute-leader'], f'{args}')
    expect(r.one('Deployment')['spec']['replicas'] == 2, 'replicas')
    expect('strategy' not in r.one('Deployment')['spec'], 'rolling update expected with leader election')
    expect(grants(r.one('Role', 'semroute-leader-election', NS)) == lease_grants('semroute-leader'), 'lease Role')


@test('one replica with leader election off drops the flags and the Lease Role and replaces pods instead of rolling')
def _():
    r = render({'leaderElection': {'enabled': False}})
    args = args_of(r)
    expect(not any(a.startswith('--leader-elect') for a in args), f'{args}')
    expect(not r.find('Role') and not r.find('RoleBinding'), 'a Lease Role without leader election')
    expect(r.one('Deployment')['spec']['strategy'] == {'type': 'Recreate'}, f'{r.one("Deployment")["spec"]}')


@test('namespaced mode grants Roles in each watched namespace, no ClusterRole, and passes one --namespace each')
def _():
    r = render({'watchNamespaces': ['team-a', 'envoy-gateway-system']})
    expect(not r.find('ClusterRole') and not r.find('ClusterRoleBinding'), 'a ClusterRole in namespaced mode')
    for ns in ('team-a', 'envoy-gateway-system'):
        role = r.one('Role', 'semroute', ns)
        got = grants(role)
        expect(got == expected_grants(), f'{ns}: extra {describe(got - expected_grants())}, missing {describe(expected_grants() - got)}')
        binding = r.one('RoleBinding', 'semroute', ns)
        expect(binding['subjects'] == [{'kind': 'ServiceAccount', 'name': 'semroute', 'namespace': NS}], f'{binding}')
    expect(flag(args_of(r), 'namespace') == ['team-a', 'envoy-gateway-system'], f'{args_of(r)}')
    expect(r.one('Role', 'semroute-leader-election', NS), 'leader-election Role')


@test('the ServiceMonitor scrapes the metrics Service port; the PodMonitor selects the classifier pods the operator renders')
def _():
    r = render({'metrics': {'serviceMonitor': {'enabled': True, 'labels': {'release': 'kube-prometheus'}},
                            'podMonitor': {'enabled': True}}})
    sm = r.one('ServiceMonitor', 'semroute', NS)
    service = r.one('Service', 'semroute-metrics', NS)
    expect(sm['metadata']['labels']['release'] == 'kube-prometheus', 'ServiceMonitor labels')
    expect(all(service['metadata']['labels'].get(k) == v for k, v in sm['spec']['selector']['matchLabels'].items()),
           'the ServiceMonitor selects no Service')
    expect([e['port'] for e in sm['spec']['endpoints']] == ['metrics'] and sm['spec']['endpoints'][0]['path'] == '/metrics', f'{sm}')
    pm = r.one('PodMonitor', 'semroute-classifiers', NS)
    expect(pm['spec']['namespaceSelector'] == {'any': True}, f'{pm["spec"]}')
    # The labels and port the render gives classifier pods (Sources/SemanticRouteRender/RenderContext+Classifier.swift).
    expect(pm['spec']['selector']['matchLabels'] == {'app.kubernetes.io/name': 'semroute-classifier',
           'app.kubernetes.io/component': 'classifier', 'app.kubernetes.io/managed-by': 'semroute'}, f'{pm["spec"]}')
    render_source = (ROOT / 'Sources/SemanticRouteRender/RenderNames.swift').read_text()
    expect('"semroute-classifier"' in render_source, 'the render no longer labels classifier pods semroute-classifier')
    endpoint = pm['spec']['podMetricsEndpoints'][0]
    expect(endpoint['port'] == 'metrics', f'{pm["spec"]}')
    # The dashboard's per-route panels group by `route`, copied from the pod's semroute.io/route label.
    expect({'sourceLabels': ['__meta_kubernetes_pod_label_semroute_io_route'], 'targetLabel': 'route'} in endpoint['relabelings'],
           f'{endpoint}')
    expect('routeKey = "semroute.io/route"' in render_source, 'the render no longer labels pods with semroute.io/route')
    expect(not r.find('PrometheusRule'), 'PrometheusRule rendered while disabled')
    scoped = render({'watchNamespaces': ['llm'], 'metrics': {'podMonitor': {'enabled': True}}}).one('PodMonitor')
    expect(scoped['spec']['namespaceSelector'] == {'matchNames': ['llm']}, f'namespaced mode: {scoped["spec"]}')


@test('the PrometheusRule alerts on reconcile errors, routes not ready and classifier errors')
def _():
    r = render({'metrics': {'prometheusRule': {'enabled': True, 'classifierErrorRate': 0.5}}})
    rule = r.one('PrometheusRule', 'semroute', NS)
    alerts = {a['alert']: a for g in rule['spec']['groups'] for a in g['rules']}
    for name in ('SemrouteReconcileErrors', 'SemrouteRoutesNotReady', 'SemrouteClassifierErrors'):
        expect(name in alerts, f'{name} missing from {sorted(alerts)}')
    expect('semroute_reconcile_errors_total' in alerts['SemrouteReconcileErrors']['expr'], 'reconcile errors expr')
    expect('semroute_routes' in alerts['SemrouteRoutesNotReady']['expr'], 'routes expr')
    expect(alerts['SemrouteClassifierErrors']['expr'].endswith('> 0.5'), alerts['SemrouteClassifierErrors']['expr'])
    expect('{{ $labels.reason }}' in alerts['SemrouteReconcileErrors']['annotations']['summary'],
           'Prometheus template not passed through Helm')


@test('the alerts fire on the series they watch, after their `for`, and not on healthy ones (promtool test rules)')
def _():
    import shutil, tempfile
    promtool = shutil.which('promtool')
    if not promtool:
        raise Skip('promtool not installed (Debian package prometheus)')
    rule = render({'metrics': {'prometheusRule': {'enabled': True}}}).one('PrometheusRule')
    texts = {a['alert']: a['annotations'] for g in rule['spec']['groups'] for a in g['rules']}

    def fired(alert, labels, value, summary):
        expanded = {k: re.sub(r'\{\{ \$labels\.(\w+) \}\}', lambda m: labels[m.group(1)], v).replace('{{ $value }}', value)
                    for k, v in texts[alert].items()}
        expect(expanded['summary'] == summary, f'{alert} summary: {expanded["summary"]!r}')
        return [{'exp_labels': {**labels, 'severity': rule_severity[alert]}, 'exp_annotations': expanded}]
    rule_severity = {a['alert']: a['labels']['severity'] for g in rule['spec']['groups'] for a in g['rules']}
    series = [
        {'series': 'semroute_routes{ready="False"}', 'values': '1x40'},    # the operator's label case may vary
        {'series': 'semroute_routes{ready="true"}', 'values': '5x40'},
        {'series': 'semroute_reconcile_errors_total{reason="Conflict"}', 'values': '0+6x40'},   # 0.1/s
        {'series': 'semroute_reconcile_errors_total{reason="Invalid"}', 'values': '3x40'},      # flat: no new errors
        {'series': 'semroute_workqueue_depth{pod="semroute-0"}', 'values': '500x40'},
        {'series': 'semroute_classifier_errors_total{namespace="llm", kind="pipeline"}', 'values': '0+6x40'},  # 0.1/s
        {'series': 'semroute_classifier_errors_total{namespace="llm", kind="oversized"}', 'values': '0+1x40'},  # 0.017/s
    ]
    cases = [
        ('SemrouteRoutesNotReady', '10m', []),
        ('SemrouteRoutesNotReady', '20m', fired('SemrouteRoutesNotReady', {}, '1', '1 SemanticRoute(s) not Ready')),
        ('SemrouteReconcileErrors', '10m', []),
        ('SemrouteReconcileErrors', '25m', fired('SemrouteReconcileErrors', {'reason': 'Conflict'}, '0.1',
                                                 'semroute reconciles are failing (Conflict)')),
        ('SemrouteWorkqueueBacklog', '25m', fired('SemrouteWorkqueueBacklog', {}, '500', "semroute's work queue holds 500 routes")),
        ('SemrouteClassifierErrors', '5m', []),
        ('SemrouteClassifierErrors', '25m', fired('SemrouteClassifierErrors', {'namespace': 'llm', 'kind': 'pipeline'}, '0.1',
                                                  'semroute classifiers in llm report pipeline errors')),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / 'rules.yaml').write_text(yaml.safe_dump(rule['spec']))
        (Path(tmp) / 'test.yaml').write_text(yaml.safe_dump({
            'rule_files': ['rules.yaml'], 'evaluation_interval': '1m',
            'tests': [{'interval': '1m', 'input_series': series, 'alert_rule_test': [
                {'eval_time': t, 'alertname': a, 'exp_alerts': exp} for a, t, exp in cases]}]}))
        check = subprocess.run([promtool, 'check', 'rules', 'rules.yaml'], cwd=tmp, capture_output=True, text=True)
        expect(check.returncode == 0, check.stdout + check.stderr)
        out = subprocess.run([promtool, 'test', 'rules', 'test.yaml'], cwd=tmp, capture_output=True, text=True)
        expect(out.returncode == 0, out.stdout + out.stderr)


@test('a digest pins the image over the tag; classifier.image overrides --classifier-image; classifier.resources are passed')
def _():
    digest = 'sha256:' + 'ab' * 32
    r = render({'image': {'digest': digest},
                'classifier': {'image': {'repository': 'registry.example.com/semroute-classifier', 'tag': '0.1.0-openblas'},
                               'resources': {'requests': {'cpu': '250m', 'memory': '256Mi'}}}})
    c = container(r)
    expect(c['image'] == f'ghcr.io/semroute/semroute@{digest}', c['image'])
    expect(flag(c['args'], 'classifier-image') == ['registry.example.com/semroute-classifier:0.1.0-openblas'], f'{c["args"]}')
    expect([json.loads(v) for v in flag(c['args'], 'classifier-resources')] ==
           [{'requests': {'cpu': '250m', 'memory': '256Mi'}}], f'{c["args"]}')
    expect(not flag(args_of(default()), 'classifier-resources'), 'classifier-resources passed by default')
    r = render({'image': {'digest': digest}})
    expect(flag(args_of(r), 'classifier-image') == [f'ghcr.io/semroute/semroute@{digest}'], 'classifier image follows the digest')


@test('bad values fail before anything is applied, naming the field')
def _():
    cases = [
        ({'image': {'tag': 'latest'}}, '/image/tag'),
        ({'image': {'tag': ''}}, '/image/tag'),
        ({'image': {'digest': 'sha256:abc'}}, '/image/digest'),
        ({'replicaCount': -1}, '/replicaCount'),
        ({'replicaCount': 'two'}, '/replicaCount'),
        ({'operator': {'logFormat': 'xml'}}, '/operator/logFormat'),
        ({'operator': {'concurrency': 0}}, '/operator/concurrency'),
        ({'classifier': {'image': {'repository': 'example.com/classifier'}}}, '/classifier/image'),
        ({'classifier': {'image': {'repository': 'example.com/classifier', 'tag': 'latest'}}}, '/classifier/image/tag'),
        ({'watchNamespaces': ['Team_A']}, '/watchNamespaces/0'),
        ({'ports': {'metrics': 70000}}, '/ports/metrics'),
        ({'replicaCout': 2}, 'replicaCout'),
        ({'metrics': {'serviceMonitor': {'enabled': 'yes'}}}, '/metrics/serviceMonitor/enabled'),
    ]
    for values, field in cases:
        expect_render_fails(values, field)
    try:
        r = render({'image': {'tag': 'latest'}, 'replicaCount': -1})
        raise AssertionError(f'rendered {r.objects}')
    except helm.HelmError as error:
        expect('/image/tag' in str(error) and '/replicaCount' in str(error), f'not every bad field named: {error}')


@test('aggregateToDefaultRoles adds edit/view ClusterRoles for people, aggregated into admin/edit/view, bound to no one')
def _():
    r = render({'rbac': {'aggregateToDefaultRoles': True}})
    edit, view = r.one('ClusterRole', 'semroute-edit'), r.one('ClusterRole', 'semroute-view')
    expect({k: v for k, v in edit['metadata']['labels'].items() if k.startswith('rbac.')} ==
           {'rbac.authorization.k8s.io/aggregate-to-admin': 'true', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true'}, 'edit labels')
    expect({k: v for k, v in view['metadata']['labels'].items() if k.startswith('rbac.')} ==
           {'rbac.authorization.k8s.io/aggregate-to-view': 'true'}, 'view labels')
    expect({g[2] for g in grants(view)} == READ and {g[0] for g in grants(view) | grants(edit)} == {'semroute.io'}, 'view is read-only')
    expect(('semroute.io', 'semanticroutes', 'create', '') in grants(edit) and
           ('semroute.io', 'semanticroutes/scale', 'update', '') in grants(edit), 'edit cannot create or scale')
    expect(len(r.find('ClusterRoleBinding')) == 1, 'the user roles are bound')
    auth = Authorizer(r.objects)
    expect(not auth.allowed(req('create', 'semanticroutes', 'semroute.io', 'llm'), OPERATOR), 'the operator gained create')
    expect(not render().find('ClusterRole', 'semroute-edit'), 'user roles rendered by default')


@test('the release name and namespace flow into names, the lease and the bindings')
def _():
    r = render(release='ai', namespace='platform')
    d = r.one('Deployment', 'ai-semroute', 'platform')
    args = d['spec']['template']['spec']['containers'][0]['args']
    expect(flag(args, 'leader-election-namespace') == ['platform'] and flag(args, 'leader-election-name') == ['ai-semroute-leader'], f'{args}')
    crb = r.one('ClusterRoleBinding', 'ai-semroute')
    expect(crb['subjects'] == [{'kind': 'ServiceAccount', 'name': 'ai-semroute', 'namespace': 'platform'}], f'{crb}')
    expect(grants(r.one('Role', 'ai-semroute-leader-election', 'platform')) == lease_grants('ai-semroute-leader'), 'lease')


@test('the chart\'s CRD is byte-identical to crds/ (make generate keeps them in step)')
def _():
    source = (ROOT / 'crds/semroute.io_semanticroutes.yaml').read_bytes()
    copy = (CHART / 'crds/semroute.io_semanticroutes.yaml').read_bytes()
    expect(source == copy, 'charts/semroute/crds/semroute.io_semanticroutes.yaml differs from crds/; run `make generate`')
    expect(sorted(p.name for p in (CHART / 'crds').iterdir()) == ['semroute.io_semanticroutes.yaml'],
           'unexpected files in charts/semroute/crds (Helm installs every one)')
    installed = default().one('CustomResourceDefinition')
    expect(installed['spec'] == yaml.safe_load(source)['spec'], 'Helm installed a different CRD')


@test('RBAC covers every kind `semroute render` produces for the samples, and the PodMonitor selects its classifier pods (SEMROUTE_BIN)')
def _():
    binary = os.environ.get('SEMROUTE_BIN')
    if not binary:
        raise Skip('SEMROUTE_BIN not set')
    kinds = set()
    samples = sorted((ROOT / 'manifests/samples').rglob('*.yaml'))
    pod_monitor = render({'metrics': {'podMonitor': {'enabled': True}}}).one('PodMonitor')
    for sample in samples:
        out = subprocess.run([binary, 'render', '-f', str(sample), '-o', 'json'], capture_output=True, text=True)
        expect(out.returncode == 0, f'semroute render {sample.name}: {out.stderr}')
        items = json.loads(out.stdout)['items']
        kinds |= {o['kind'] for o in items}
        for deployment in (o for o in items if o['kind'] == 'Deployment'):
            labels = deployment['spec']['template']['metadata']['labels']
            selector = pod_monitor['spec']['selector']['matchLabels']
            expect(all(labels.get(k) == v for k, v in selector.items()), f'{sample.name}: PodMonitor misses pods labelled {labels}')
            expect('semroute.io/route' in labels, f'{sample.name}: classifier pods lack semroute.io/route')
            ports = [p['name'] for c in deployment['spec']['template']['spec']['containers'] for p in c.get('ports', [])]
            expect('metrics' in ports, f'{sample.name}: classifier has no metrics port: {ports}')
    unknown = kinds - RENDERED_KINDS.keys()
    expect(not unknown, f'render produces kinds this test does not know (add them to RBAC): {sorted(unknown)}')
    granted = grants(default().one('ClusterRole'))
    for kind in kinds:
        group, resource = RENDERED_KINDS[kind]
        missing = {v for v in APPLY if (group, resource, v, '') not in granted}
        expect(not missing, f'{kind}: ClusterRole lacks {sorted(missing)}')
    expect(len(kinds) >= 10, f'only {sorted(kinds)} rendered from {len(samples)} samples')


@test('every rendered object is valid against the Kubernetes v1.32 schemas, strictly (no unknown fields)')
def _():
    import kubernetes_validate  # PyPI kubernetes-validate: the upstream OpenAPI schemas, offline
    value_sets = [None, {'replicaCount': 2}, {'leaderElection': {'enabled': False}}, {'watchNamespaces': ['a', 'b']},
                  {'image': {'digest': 'sha256:' + 'ab' * 32}, 'classifier': {'resources': {'requests': {'cpu': '1'}}},
                   'operator': {'extraEnv': [{'name': 'OPENBLAS_CORETYPE', 'value': 'SkylakeX'}]},
                   'imagePullSecrets': [{'name': 'registry'}], 'nodeSelector': {'kubernetes.io/os': 'linux'},
                   'tolerations': [{'key': 'x', 'operator': 'Exists', 'effect': 'NoSchedule'}],
                   'podAnnotations': {'a': 'b'}, 'priorityClassName': 'system-cluster-critical',
                   'rbac': {'aggregateToDefaultRoles': True}}]
    checked = 0
    for objects in [render(v).objects for v in value_sets] + [kustomized()]:
        for o in objects:
            if o['apiVersion'].startswith('monitoring.coreos.com/'):
                continue  # Prometheus Operator kinds: not in the Kubernetes schemas (checked by the tests above)
            clean = {k: v for k, v in o.items() if k != 'status'}
            clean['metadata'] = {k: v for k, v in o['metadata'].items() if k not in ('uid', 'resourceVersion', 'creationTimestamp')}
            try:
                kubernetes_validate.validate(clean, '1.32.0', strict=True)
            except kubernetes_validate.ValidationError as error:
                raise AssertionError(f'{o["kind"]} {o["metadata"]["name"]}: {str(error).splitlines()[0]}')
            checked += 1
    expect(checked >= 40, f'only {checked} objects checked')


@test('every chart value is documented in docs/install.md')
def _():
    values = yaml.safe_load((CHART / 'values.yaml').read_text())
    keys = list(values) + [f'metrics.{k}' for k in values['metrics']] + [f'operator.{k}' for k in values['operator']]
    docs = (ROOT / 'docs/install.md').read_text()
    missing = [k for k in keys if k != 'metrics' and k != 'operator' and not re.search(rf'`{re.escape(k)}[.`\s]', docs)]
    expect(not missing, f'values not in docs/install.md: {missing}')
    schema = json.loads((CHART / 'values.schema.json').read_text())
    expect(set(values) <= set(schema['properties']), f'values without a schema: {set(values) - set(schema["properties"])}')


@test('hack/helm-template.py prints the CRD and the rendered templates as one YAML stream for kubectl')
def _():
    out = subprocess.run([sys.executable, str(ROOT / 'hack/helm-template.py'), '--set-json', '{"replicaCount": 2}'],
                         capture_output=True, text=True)
    expect(out.returncode == 0, out.stderr)
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    expect(docs[0]['kind'] == 'CustomResourceDefinition' and 'status' not in docs[0]
           and 'uid' not in docs[0]['metadata'], 'the CRD does not come first, clean')
    expect(sorted(d['kind'] for d in docs[1:]) == sorted(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role',
                                                          'RoleBinding', 'Service', 'Deployment']), f'{[d["kind"] for d in docs]}')
    expect([d for d in docs if d['kind'] == 'Deployment'][0]['spec']['replicas'] == 2, '--set-json ignored')
    bad = subprocess.run([sys.executable, str(ROOT / 'hack/helm-template.py'), '--set-json', '{"image": {"tag": "latest"}}'],
                         capture_output=True, text=True)
    expect(bad.returncode != 0 and '/image/tag' in bad.stderr and not bad.stdout.strip(), f'{bad.returncode} {bad.stderr}')


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
    req('update', 'deployments', 'apps', 'llm', 'mom-classifier'),  # SSA is a PATCH; PUT would clobber others' fields
    req('deletecollection', 'configmaps', '', 'llm'),
    req('patch', 'gateways', 'gateway.networking.k8s.io', 'envoy-gateway-system', 'eg'),
    req('update', 'leases', 'coordination.k8s.io', NS, 'someone-elses-lease'),
    req('get', 'leases', 'coordination.k8s.io', 'kube-system', 'semroute-leader'),
    req('create', 'events', ''),  # core/v1 Events: the operator records events.k8s.io/v1 only
    req('create', 'clusterrolebindings', 'rbac.authorization.k8s.io'),
    Request(verb='get', path='/metrics'), Request(verb='post', path='/apis'),
]


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
    inside = [r for r in OPERATOR_REQUESTS if r.resource and r.resource != 'leases']
    for request in inside:
        scoped = Request(**{**request.__dict__, 'namespace': request.namespace or 'llm'})
        expect(auth.allowed(scoped, OPERATOR), f'denied inside a watched namespace: {scoped}')
        if not request.namespace:
            expect(not auth.allowed(request, OPERATOR), f'allowed across all namespaces: {request}')
        outside = Request(**{**request.__dict__, 'namespace': 'team-z'})
        expect(not auth.allowed(outside, OPERATOR), f'allowed outside the watched namespaces: {outside}')
    expect(auth.allowed(req('update', 'leases', 'coordination.k8s.io', NS, 'semroute-leader'), OPERATOR), 'lease')


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


@test('`kubectl kustomize manifests/default` renders the same objects as the chart\'s defaults, plus the Namespace')
def _():
    k = by_key(kustomized())
    h = by_key(default().objects)
    expect(set(k) == set(h) | {('Namespace', NS, '')}, f'kustomize only: {sorted(set(k) - set(h))}; chart only: {sorted(set(h) - set(k))}')
    ns = k[('Namespace', NS, '')]
    expect(ns['metadata']['labels'].get('pod-security.kubernetes.io/enforce') == 'restricted', f'{ns}')


@test('the kustomize RBAC equals the chart\'s default RBAC')
def _():
    k, h = by_key(kustomized()), by_key(default().objects)
    for kind, name, ns in [('ClusterRole', 'semroute', ''), ('Role', 'semroute-leader-election', NS)]:
        expect(grants(k[(kind, name, ns)]) == grants(h[(kind, name, ns)]),
               f'{kind} {name}: kustomize only {describe(grants(k[(kind, name, ns)]) - grants(h[(kind, name, ns)]))}, '
               f'chart only {describe(grants(h[(kind, name, ns)]) - grants(k[(kind, name, ns)]))}')
    for kind, name, ns in [('ClusterRoleBinding', 'semroute', ''), ('RoleBinding', 'semroute-leader-election', NS)]:
        for field in ('roleRef', 'subjects'):
            expect(k[(kind, name, ns)][field] == h[(kind, name, ns)][field], f'{kind} {name} {field} differ')


@test('the kustomize Deployment, Service and CRD equal the chart\'s defaults')
def _():
    k, h = by_key(kustomized()), by_key(default().objects)
    kd, hd = k[('Deployment', 'semroute', NS)]['spec'], h[('Deployment', 'semroute', NS)]['spec']
    for field in ('replicas', 'selector', 'strategy'):
        expect(kd.get(field) == hd.get(field), f'Deployment spec.{field}: {kd.get(field)} vs {hd.get(field)}')
    expect(kd['template']['spec'] == hd['template']['spec'],
           f'pod specs differ:\n{yaml.safe_dump(kd["template"]["spec"])}\nvs\n{yaml.safe_dump(hd["template"]["spec"])}')
    expect(kd['template']['metadata']['labels'] == hd['template']['metadata']['labels'], 'pod labels differ')
    ks, hs = k[('Service', 'semroute-metrics', NS)]['spec'], h[('Service', 'semroute-metrics', NS)]['spec']
    expect(ks == hs, f'Service specs differ: {ks} vs {hs}')
    crd = k[('CustomResourceDefinition', 'semanticroutes.semroute.io', '')]
    expect(crd['spec'] == yaml.safe_load((ROOT / 'crds/semroute.io_semanticroutes.yaml').read_text())['spec'], 'CRD differs')


# ------------------------------------------------------------------------------------------ dashboard

HISTOGRAM_SERIES = re.compile(r'_(bucket|sum|count)$')
GRAFANA_VARIABLE = re.compile(r'\$\{?(__rate_interval|__interval|__range)\}?|\$\{?\w+\}?')
LABEL_VALUES = re.compile(r'^label_values\((.+),\s*(\w+)\)$')
# What issue 6 asks the dashboard to show, by the metric that carries it.
REQUIRED_ON_DASHBOARD = {
    'semroute_reconcile_total', 'semroute_reconcile_errors_total', 'semroute_reconcile_duration_seconds',
    'semroute_workqueue_depth', 'semroute_routes', 'semroute_managed_objects', 'semroute_watch_restarts_total',
    'semroute_classifier_decisions_total', 'semroute_classifier_request_duration_seconds',
    'semroute_classifier_stage_duration_seconds', 'semroute_classifier_blocked_total',
    'semroute_classifier_cache_hits_total', 'semroute_classifier_cache_misses_total', 'semroute_classifier_errors_total',
}


# Labels Prometheus adds to every series (target labels, the PodMonitor's `route`) or histograms carry (`le`).
TARGET_LABELS = {'le', 'job', 'instance', 'namespace', 'pod', 'container', 'service', 'endpoint', 'route'}


def promql_tree(expr):
    """The syntax tree of a PromQL expression (PyPI promql-parser); Grafana's variables are substituted first
    ($__rate_interval -> 5m, $var -> .*) and label_values(selector, label) is read as its selector. Raises
    ValueError naming the expression when it does not parse."""
    import promql_parser
    text = expr.strip()
    match = LABEL_VALUES.match(text)
    if match:
        text = match.group(1)
    text = GRAFANA_VARIABLE.sub(lambda m: '5m' if m.group(1) else '.*', text)
    try:
        return promql_parser.parse(text)
    except Exception as error:  # noqa: BLE001 - the parser raises its own exception types
        raise ValueError(f'not PromQL ({error}): {expr}')


def selectors(node):
    import promql_parser
    found = []
    promql_parser.walk(node, lambda n: found.append(n) if isinstance(n, promql_parser.VectorSelector) else None)
    return found


def promql_metrics(expr):
    """The metric names an expression selects (histogram series mapped to the histogram's name)."""
    return {HISTOGRAM_SERIES.sub('', s.name) for s in selectors(promql_tree(expr)) if s.name}


def promql_label_uses(expr):
    """(metric, label) pairs an expression relies on: labels it matches on and labels it aggregates by,
    without the labels Prometheus itself adds (TARGET_LABELS)."""
    import promql_parser
    uses = set()

    def visit(node):
        if isinstance(node, promql_parser.AggregateExpr) and node.modifier:
            uses.update((HISTOGRAM_SERIES.sub('', s.name), label) for s in selectors(node.expr) for label in node.modifier.labels)
        if isinstance(node, promql_parser.VectorSelector):
            uses.update((HISTOGRAM_SERIES.sub('', node.name), m.name) for m in node.matchers.matchers)
    promql_parser.walk(promql_tree(expr), visit)
    match = LABEL_VALUES.match(expr.strip())
    if match:
        uses.update((m, match.group(2)) for m in promql_metrics(expr))
    return {(m, label) for m, label in uses if label not in TARGET_LABELS}


def dashboard():
    return json.loads((ROOT / 'dashboards/semroute.json').read_text())


def dashboard_queries(dash):
    queries = []
    for panel in dash['panels']:
        for target in panel.get('targets', []):
            queries.append((panel['title'], target['expr']))
    for variable in dash.get('templating', {}).get('list', []):
        if variable.get('type') == 'query':
            queries.append((f'${variable["name"]}', variable['definition']))
    return queries


def queries():
    """(where, expression) for every dashboard query and variable and every PrometheusRule alert."""
    out = [(f'dashboard: {title}', expr) for title, expr in dashboard_queries(dashboard())]
    rule = render({'metrics': {'prometheusRule': {'enabled': True}}}).one('PrometheusRule')
    out += [(f'alert: {a["alert"]}', a['expr']) for g in rule['spec']['groups'] for a in g['rules']]
    return out


def queried_metrics():
    """metric name -> where it is queried (dashboard panels and variables, PrometheusRule alerts)."""
    where = {}
    for place, expr in queries():
        for name in promql_metrics(expr):
            where.setdefault(name, set()).add(place)
    return where


def exported_metrics():
    """metric name -> the string literals of the Swift files that spell it out (Sources/ plus
    SEMROUTE_METRIC_SOURCES): a "semroute_..." literal, or, in a file that defines a name-prefix constant
    (`static let prefix = "semroute_classifier_"`), that prefix joined to a lowercase literal of the same file
    (`prefix + "errors_total"`, `"\\(prefix)errors_total"`, `prefix + (hit ? "cache_hits_total" : ...)`)."""
    roots = [ROOT / 'Sources'] + [Path(p) for p in os.environ.get('SEMROUTE_METRIC_SOURCES', '').split(':') if p]
    exported = {}
    for path in (p for root in roots for p in root.rglob('*.swift')):
        text = path.read_text(errors='replace')
        literals = set(re.findall(r'"([A-Za-z0-9_]+)"', text))
        names = {l for l in literals if l.startswith('semroute_')}
        prefixes = re.findall(r'\blet\s+\w+\s*(?::\s*String\s*)?=\s*"(semroute_[a-z0-9_]*_)"', text)
        if prefixes:  # joined only within the file that defines the prefix
            suffixes = {l for l in literals if re.fullmatch(r'[a-z0-9_]+', l)}
            suffixes |= set(re.findall(r'\\\(\s*(?:\w+\.)*\w+\s*\)([a-z0-9_]+)"', text))
            names |= {prefix + suffix for prefix in prefixes for suffix in suffixes}
        for name in names:
            exported.setdefault(name, set()).update(literals)
    return exported


@test('the dashboard is valid Grafana JSON, every query parses as PromQL, panels do not overlap')
def _():
    dash = dashboard()
    expect(dash['uid'] == 'semroute' and dash['schemaVersion'] >= 36, 'uid/schemaVersion')
    cells = set()
    for panel in dash['panels']:
        g = panel['gridPos']
        for x in range(g['x'], g['x'] + g['w']):
            for y in range(g['y'], g['y'] + g['h']):
                expect((x, y) not in cells, f'panel {panel["title"]} overlaps another at {x},{y}')
                cells.add((x, y))
        expect(g['x'] + g['w'] <= 24, f'{panel["title"]} wider than the grid')
        if panel['type'] != 'row':
            expect(panel['targets'] and all(t['expr'].strip() for t in panel['targets']), f'{panel["title"]}: no query')
            expect(panel['datasource']['uid'] == '${datasource}', f'{panel["title"]}: hard-coded data source')
    for title, expr in dashboard_queries(dash):
        expect(promql_metrics(expr), f'{title}: selects no metric: {expr}')  # parses, or raises naming it
    ids = [p['id'] for p in dash['panels']]
    expect(len(ids) == len(set(ids)), 'duplicate panel ids')


@test('the dashboard shows reconciles, errors, queue depth, readiness, decisions, latency p50/p99, blocks and cache hit ratio')
def _():
    queried = {n for _, e in dashboard_queries(dashboard()) for n in promql_metrics(e)}
    expect(REQUIRED_ON_DASHBOARD <= queried, f'not on the dashboard: {sorted(REQUIRED_ON_DASHBOARD - queried)}')
    exprs = ' '.join(e for _, e in dashboard_queries(dashboard()))
    expect('histogram_quantile(0.5, sum by (le, phase) (rate(semroute_classifier_request_duration_seconds_bucket' in exprs
           and 'histogram_quantile(0.99, sum by (le, phase) (rate(semroute_classifier_request_duration_seconds_bucket' in exprs,
           'classifier p50/p99')
    expect('semroute_classifier_cache_hits_total' in exprs and 'semroute_classifier_cache_misses_total' in exprs, 'hit ratio')


@test('every metric the dashboard and the alerts query is exported by the code, with the labels they use')
def _():
    where = queried_metrics()
    exported = exported_metrics()
    problems = [f'{name}: not a metric name in the sources ({", ".join(sorted(places))})'
                for name, places in sorted(where.items()) if name not in exported]
    for place, expr in queries():
        for metric, label in sorted(promql_label_uses(expr)):
            if metric in exported and label not in exported[metric]:
                problems.append(f'{metric}: label "{label}" is not a string literal where the metric is defined ({place})')
    if problems:
        message = f'{len(problems)} problem(s) with the {len(where)} metric names queried:\n' + '\n'.join(f'    {p}' for p in problems)
        if ARGS.metrics_report_only:
            print(f'  note: {message}')
        else:
            raise AssertionError(message)


# ----------------------------------------------------------------------------------------- Dockerfile

def dockerfile():
    """Instructions of the Dockerfile as (STAGE, INSTRUCTION, ARGUMENTS), continuations joined."""
    text = (ROOT / 'Dockerfile').read_text()
    text = re.sub(r'\\\n', ' ', '\n'.join(l for l in text.splitlines() if not l.lstrip().startswith('#')))
    stage, out = None, []
    for line in text.splitlines():
        if not line.strip():
            continue
        word, _, rest = line.strip().partition(' ')
        word = word.upper()
        if word == 'FROM':
            m = re.match(r'(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?', rest.strip(), re.I)
            stage = m.group(2) or m.group(1)
            out.append((stage, 'FROM', m.group(1)))
        else:
            out.append((stage, word, rest.strip()))
    return out


@test('the Dockerfile builds a static-stdlib semroute in a pinned Swift image and runs it non-root with the model')
def _():
    steps = dockerfile()
    froms = [(s, a) for s, w, a in steps if w == 'FROM']
    stages = [s for s, _ in froms]
    expect(len(froms) >= 2, f'not multi-stage: {froms}')
    for stage, image in froms:
        if image in stages:
            continue
        expect(':' in image.split('/')[-1] or '@sha256:' in image, f'{stage}: unpinned base image {image}')
        expect(not image.endswith(':latest'), f'{stage}: {image}')
    build = [a for s, w, a in steps if w == 'RUN' and 'swift build' in a]
    expect(build and all(x in build[0] for x in ('-c release', '--static-swift-stdlib', '--product semroute')), f'{build}')
    swift_images = [a for _, a in froms if a.startswith('swift:')]
    expect(swift_images and all(re.match(r'swift:6\.\d', a) for a in swift_images), f'Swift image: {swift_images}')
    final = stages[-1]
    final_steps = [(w, a) for s, w, a in steps if s == final]
    users = [a for w, a in final_steps if w == 'USER']
    expect(users and users[-1] in ('65532', '65532:65532'), f'final USER: {users}')
    runs = ' '.join(a for w, a in final_steps if w == 'RUN')
    expect('libopenblas0' in runs and 'ca-certificates' in runs, 'runtime packages: libopenblas0, ca-certificates')
    entry = [a for w, a in final_steps if w == 'ENTRYPOINT']
    expect(entry and json.loads(entry[-1])[0].endswith('/semroute'), f'ENTRYPOINT: {entry}')
    copies = ' '.join(a for w, a in final_steps if w == 'COPY')
    expect('heads' in copies and '/opt/semroute/models' in copies, f'model or heads not copied: {copies}')
    fetch = [a for s, w, a in steps if w == 'RUN' and 'hack/fetch-model.sh' in a]
    expect(fetch and '/opt/semroute/models' in fetch[0], f'model not fetched by hack/fetch-model.sh: {fetch}')
    envs = ' '.join(a for w, a in final_steps if w == 'ENV')
    expect('OPENBLAS_CORETYPE' not in envs, 'OPENBLAS_CORETYPE belongs to the Deployment env, not the image')
    expect(re.search(r'SEMROUTE_MODEL_DIR[= ]/opt/semroute/models/', envs), f'model dir env: {envs}')
    location = ROOT / 'Sources/ClassifierCore/ModelLocation.swift'
    if location.exists():  # the classifier's own name for the variable, once it has landed
        name = re.search(r'environmentVariable\s*=\s*"([A-Z_]+)"', location.read_text())
        expect(name and name.group(1) in envs, f'the classifier reads ${name and name.group(1)}, the image sets {envs}')
    ignored = (ROOT / '.dockerignore').read_text().split()
    expect({'.build', 'models'} <= {p.strip('/') for p in ignored}, f'.dockerignore: {ignored}')


# ----------------------------------------------------------------------------------------------- main

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('-k', dest='only', help='run the tests whose name contains this')
parser.add_argument('--metrics-report-only', action='store_true')
ARGS = parser.parse_args()
passed = failed = skipped = 0
for name, function in TESTS:
    if ARGS.only and ARGS.only not in name:
        continue
    try:
        function()
        passed += 1
        print(f'ok    {name}')
    except Skip as why:
        skipped += 1
        print(f'skip  {name}: {why}')
    except Exception as error:  # noqa: BLE001 - report every failure, keep going
        failed += 1
        print(f'FAIL  {name}\n      {error}')
        if not isinstance(error, AssertionError):
            traceback.print_exc()
print(f'{passed} passed, {failed} failed' + (f', {skipped} skipped' if skipped else ''))
sys.exit(1 if failed else 0)
