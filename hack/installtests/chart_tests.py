"""The Helm chart: lint, objects per value set, flags, security, schema errors, CRD copy, docs."""
import helmrender
import json, os, re, subprocess, sys
import yaml
from helmrender import CHART, ROOT, helm, render
from rbac import Authorizer
from .support import (
    APPLY, CRD_READER_GRANTS, NS, OPERATOR, READ, RENDERED_KINDS, Skip, args_of, container, default, describe, expect,
    expect_render_fails, expected_grants, flag, grants, kustomized, lease_grants, req, test,
)


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
        ('rbac.authorization.k8s.io/v1', 'ClusterRole', 'semroute-crd-reader', ''),
        ('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'semroute-crd-reader', ''),
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


@test('namespaced mode grants Roles in each watched namespace, no ClusterRole but the one-CRD reader, and passes one --namespace each')
def _():
    r = render({'watchNamespaces': ['team-a', 'envoy-gateway-system']})
    cluster_roles = r.find('ClusterRole')
    expect([c['metadata']['name'] for c in cluster_roles] == ['semroute-crd-reader'], f'ClusterRoles in namespaced mode: {cluster_roles}')
    expect(grants(cluster_roles[0]) == CRD_READER_GRANTS, f'the CRD reader grants {describe(grants(cluster_roles[0]))}')
    pinned = render({'watchNamespaces': ['team-a'], 'operator': {'aiGatewayVersion': 'v1.2'}})
    expect(not pinned.find('ClusterRole') and not pinned.find('ClusterRoleBinding'),
           'a ClusterRole in namespaced mode with the AI Gateway release pinned')
    expect(flag(args_of(pinned), 'ai-gateway-version') == ['v1.2'], f'{args_of(pinned)}')
    for ns in ('team-a', 'envoy-gateway-system'):
        role = r.one('Role', 'semroute', ns)
        got = grants(role)
        expect(got == expected_grants(), f'{ns}: extra {describe(got - expected_grants())}, missing {describe(expected_grants() - got)}')
        binding = r.one('RoleBinding', 'semroute', ns)
        expect(binding['subjects'] == [{'kind': 'ServiceAccount', 'name': 'semroute', 'namespace': NS}], f'{binding}')
    expect(flag(args_of(r), 'namespace') == ['team-a', 'envoy-gateway-system'], f'{args_of(r)}')
    expect(r.one('Role', 'semroute-leader-election', NS), 'leader-election Role')



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
    expect(not flag(args_of(default()), 'prometheus-url'), 'prometheus-url passed by default')
    url = 'http://prometheus-operated.monitoring:9090'
    expect(flag(args_of(render({'operator': {'prometheusURL': url}})), 'prometheus-url') == [url], 'operator.prometheusURL not passed')



@test('operator.tracing renders the OTEL_* environment of the operator container (none by default)')
def _():
    def env(r):
        container = r.one('Deployment', 'semroute', NS)['spec']['template']['spec']['containers'][0]
        return {e['name']: e.get('value') for e in container.get('env', [])}
    expect(not any(k.startswith('OTEL_') for k in env(default())), 'OTEL_* set by default')
    traced = env(render({'operator': {'tracing': {'endpoint': 'http://otel-collector.observability:4317', 'samplingRatio': '0.1'}}}))
    expect({k: v for k, v in traced.items() if k.startswith('OTEL_')} == {
        'OTEL_SERVICE_NAME': 'semroute-operator', 'OTEL_EXPORTER_OTLP_ENDPOINT': 'http://otel-collector.observability:4317',
        'OTEL_EXPORTER_OTLP_PROTOCOL': 'grpc', 'OTEL_TRACES_SAMPLER': 'parentbased_traceidratio', 'OTEL_TRACES_SAMPLER_ARG': '0.1'},
        f'{traced}')


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
        ({'operator': {'prometheusURL': 'prometheus:9090'}}, '/operator/prometheusURL'),
        ({'operator': {'tracing': {'endpoint': 'otel-collector:4317'}}}, '/operator/tracing/endpoint'),
        ({'operator': {'tracing': {'samplingRatio': '1.5'}}}, '/operator/tracing/samplingRatio'),
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
    bound = sorted(b['metadata']['name'] for b in r.find('ClusterRoleBinding'))
    expect(bound == ['semroute', 'semroute-crd-reader'], f'the user roles are bound: {bound}')
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
        # v1.2: the newest release renders every sample (some, such as providers/aws-openai.yaml, need it), and the
        # kinds rendered are the same for every release.
        out = subprocess.run([binary, 'render', '-f', str(sample), '-o', 'json', '--ai-gateway-version', 'v1.2'],
                             capture_output=True, text=True)
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
    granted = grants(default().one('ClusterRole', 'semroute'))
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
    expect(sorted(d['kind'] for d in docs[1:]) == sorted(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRole',
                                                          'ClusterRoleBinding', 'Role', 'RoleBinding', 'Service', 'Deployment']),
           f'{[d["kind"] for d in docs]}')
    expect([d for d in docs if d['kind'] == 'Deployment'][0]['spec']['replicas'] == 2, '--set-json ignored')
    bad = subprocess.run([sys.executable, str(ROOT / 'hack/helm-template.py'), '--set-json', '{"image": {"tag": "latest"}}'],
                         capture_output=True, text=True)
    expect(bad.returncode != 0 and '/image/tag' in bad.stderr and not bad.stdout.strip(), f'{bad.returncode} {bad.stderr}')


@test('one version everywhere: chart appVersion, default image tag, kustomize image and the render\'s default classifier image')
def _():
    chart = yaml.safe_load((CHART / 'Chart.yaml').read_text())
    values = yaml.safe_load((CHART / 'values.yaml').read_text())
    image = f'{values["image"]["repository"]}:{values["image"]["tag"]}'
    expect(values['image']['tag'] == chart['appVersion'], f'image.tag {values["image"]["tag"]} != appVersion {chart["appVersion"]}')
    renderer = (ROOT / 'Sources/SemanticRouteRender/Renderer.swift').read_text()
    default_image = re.search(r'defaultClassifierImage\s*=\s*"([^"]+)"', renderer)
    expect(default_image and default_image.group(1) == image, f'Renderer.Options.defaultClassifierImage is not {image}')
    kustomization = yaml.safe_load((ROOT / 'manifests/default/kustomization.yaml').read_text())
    expect([(i['name'], i['newTag']) for i in kustomization['images']] == [(values['image']['repository'], values['image']['tag'])],
           f'kustomize images: {kustomization["images"]}')
    kustomize_args = [o for o in kustomized() if o['kind'] == 'Deployment'][0]['spec']['template']['spec']['containers'][0]['args']
    expect(flag(kustomize_args, 'classifier-image') == [image], f'kustomize --classifier-image: {kustomize_args}')
