#!/usr/bin/env python3
"""Install tests against KubeLocal (`semroute apiserver`) or, with `--server real`, a real kube-apiserver v1.32
with etcd and kube-controller-manager (`semroute-envtest`, binaries from KUBEBUILDER_ASSETS), the way a user
installs on a cluster:

  helm-install        the Helm chart installed by Helm's own engine (helm-sdkpy Install) into KubeLocal, then
                      `kubectl get`: the CRD (from the chart's crds/), the operator Deployment, ServiceAccount,
                      metrics Service, and the RBAC objects (ClusterRole/Binding, leader-election Role/Binding)
  kustomize-apply     `kubectl apply -k manifests/default --server-side` into KubeLocal, then the same checks
  helm-rbac           the operator run with the container args of the chart's Deployment, authenticated as the
                      chart's ServiceAccount (a bearer token in KubeLocal's --token-auth-file) so that only the
                      chart's RBAC authorises it: the dev sample reaches Ready, a write outside that RBAC is
                      Forbidden, and deleting the route removes everything it created

Each test starts its own `semroute apiserver --port 0 --kubeconfig-out FILE` (SEMROUTE_BIN, default
.build/debug/semroute; build it first), or its own real control plane (SEMROUTE_ENVTEST_BIN, default
.build/debug/semroute-envtest). On the real server the ServiceAccount token comes from the TokenRequest API
(`kubectl create token`), garbage collection is kube-controller-manager's, and no pod ever runs (no kubelet):
the route is waited for until Programmed instead of Ready. Where KubeLocal does not serve an API group the install needs, the
check of those objects is reported as `skip` with the exact kinds and the server's answer, and everything
else is still checked; when KubeLocal gains the group, the check runs.

Needs: pip install --ignore-requires-python helm-sdkpy cffi pycparser; pip install PyYAML; /usr/bin/kubectl.
Usage: hack/test-install-kubelocal.py [-k SUBSTRING] [--server kubelocal|real]"""
import helmrender  # first: re-runs this script with HELM_DRIVER=memory when needed
import argparse, asyncio, json, os, subprocess, sys, tempfile, threading, time, traceback
from pathlib import Path

import helm_sdkpy as helm
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get('SEMROUTE_BIN', str(ROOT / '.build' / 'debug' / 'semroute'))
ENVTEST_BIN = os.environ.get('SEMROUTE_ENVTEST_BIN', str(Path(BIN).parent / 'semroute-envtest'))
NS = 'semroute-system'
RBAC_GROUP = 'rbac.authorization.k8s.io'
RBAC_OBJECTS = [('clusterrole', None, 'semroute'), ('clusterrolebinding', None, 'semroute'),
                ('role', NS, 'semroute-leader-election'), ('rolebinding', NS, 'semroute-leader-election')]
CORE_OBJECTS = [('customresourcedefinition', None, 'semanticroutes.semroute.io'), ('namespace', None, NS),
                ('deployment', NS, 'semroute'), ('serviceaccount', NS, 'semroute'), ('service', NS, 'semroute-metrics')]


class Skip(Exception):
    pass


class Server:
    """What the tests need of an API server: kubectl with its kubeconfig, discovery, existence checks."""
    real = False

    def kubectl(self, *args, stdin=None, check=True, kubeconfig=None):
        r = subprocess.run(['kubectl', '--kubeconfig', kubeconfig or self.kubeconfig, *args], input=stdin,
                           capture_output=True, text=True)
        if check and r.returncode != 0:
            raise AssertionError(f'kubectl {" ".join(args)} failed ({r.returncode}): {r.stderr.strip()}')
        return r

    def serves(self, group):
        out = self.kubectl('api-resources', f'--api-group={group}', '-o', 'name').stdout
        return bool(out.strip())

    def exists(self, kind, namespace, name):
        args = ['get', kind, name, '-o', 'json'] + (['-n', namespace] if namespace else [])
        r = self.kubectl(*args, check=False)
        return r.returncode == 0 and json.loads(r.stdout)['metadata']['name'] == name


class RealServer(Server):
    """etcd + kube-apiserver + kube-controller-manager (`semroute-envtest`), ready when it prints `ready`; torn
    down when its standard input closes."""
    real = True

    def __init__(self, **_):
        self.dir = tempfile.TemporaryDirectory(prefix='envtest-')
        self.kubeconfig = str(Path(self.dir.name) / 'kubeconfig')
        self.log = open(Path(self.dir.name) / 'envtest.log', 'w')
        self.process = subprocess.Popen([ENVTEST_BIN, '--kubeconfig-out', self.kubeconfig, '--controller-manager'],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        timer = threading.Timer(180, self.process.kill)
        timer.start()
        try:
            line = self.process.stdout.readline()
        finally:
            timer.cancel()
        if not line.startswith('ready'):
            self.log.flush()
            raise RuntimeError(f'{ENVTEST_BIN} did not start:\n' + (Path(self.dir.name) / 'envtest.log').read_text()[-2000:])

    def service_account_token(self, namespace, name):
        return self.kubectl('create', 'token', name, '-n', namespace, '--duration=1h').stdout.strip()

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self.log.close()
        self.dir.cleanup()


class KubeLocal(Server):
    """`semroute apiserver` on a free port with a kubeconfig in a temp folder; ready when its log says it
    wrote the kubeconfig (read line by line, with a deadline)."""

    def __init__(self, tokens=None, simulate_workloads=False, tls=False):
        self.dir = tempfile.TemporaryDirectory(prefix='kubelocal-')
        self.kubeconfig = str(Path(self.dir.name) / 'kubeconfig')
        extra = (['--simulate-workloads'] if simulate_workloads else []) + (['--tls'] if tls else [])
        if tokens:
            token_file = Path(self.dir.name) / 'tokens.csv'
            token_file.write_text(''.join(f'{t},{user},uid-{i},"{",".join(groups)}"\n'
                                          for i, (t, (user, groups)) in enumerate(tokens.items())))
            extra += ['--token-auth-file', str(token_file)]
        self.process = subprocess.Popen([BIN, 'apiserver', '--port', '0', '--kubeconfig-out', self.kubeconfig, *extra],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        timer = threading.Timer(60, self.process.kill)
        timer.start()
        seen = []
        try:
            for line in self.process.stderr:
                seen.append(line)
                if 'wrote kubeconfig' in line:
                    break
            else:
                raise RuntimeError(f'{BIN} apiserver exited before writing a kubeconfig:\n' + ''.join(seen))
        finally:
            timer.cancel()
        # Keep draining its log so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.process.stderr], daemon=True).start()
        self.tokens = tokens or {}

    def service_account_token(self, namespace, name):
        user = f'system:serviceaccount:{namespace}:{name}'
        return next(t for t, (u, _) in self.tokens.items() if u == user)

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.dir.cleanup()


def check_objects(kube, objects):
    missing = [f'{k} {ns + "/" if ns else ""}{n}' for k, ns, n in objects if not kube.exists(k, ns, n)]
    assert not missing, f'missing after install: {", ".join(missing)}'


def rbac_or_skip(kube, install_error):
    """Checks the RBAC objects, or explains precisely why KubeLocal cannot hold them."""
    if not kube.serves(RBAC_GROUP):
        raise Skip(f'every other object checked; RBAC not: KubeLocal does not serve {RBAC_GROUP}/v1 (ClusterRole, ClusterRoleBinding, Role, RoleBinding); '
                   f'the install said: {install_error or "(no error)"}')
    check_objects(kube, RBAC_OBJECTS)


TESTS = []


def test(name):
    def register(function):
        TESTS.append((name, function))
        return function
    return register


@test('helm-install: the chart installs with Helm\'s engine; CRD, Deployment, ServiceAccount, Service, RBAC exist')
def helm_install():
    kube = SERVER()
    try:
        kube.kubectl('apply', '--server-side', '-f', '-', stdin=json.dumps(
            {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': NS}}))
        config = helm.Configuration(namespace=NS, kubeconfig=kube.kubeconfig)
        rbac = kube.serves(RBAC_GROUP)
        # Without the RBAC API the whole release would be rejected; install the rest and report RBAC below.
        values = None if rbac else {'rbac': {'create': False}}
        install_error = None
        if not rbac:
            try:
                asyncio.run(helm.Install(helm.Configuration(namespace=NS, kubeconfig=kube.kubeconfig))
                            .run('semroute-probe', str(helmrender.CHART), wait=False, timeout=60))
            except helm.HelmError as error:
                install_error = ' '.join(str(error).split())[:400]
        result = asyncio.run(helm.Install(config).run('semroute', str(helmrender.CHART), values=values, wait=False, timeout=60))
        assert 'kind: Deployment' in result['manifest'], 'the release rendered no Deployment'
        check_objects(kube, CORE_OBJECTS)
        crd = json.loads(kube.kubectl('get', 'crd', 'semanticroutes.semroute.io', '-o', 'json').stdout)
        established = [c for c in crd.get('status', {}).get('conditions', []) if c['type'] == 'Established']
        assert established and established[0]['status'] == 'True', f'CRD not Established: {crd.get("status")}'
        listed = kube.kubectl('get', 'sroute', '-A').stderr
        assert 'No resources found' in listed, f'kubectl get sroute after install: {listed}'
        rbac_or_skip(kube, install_error)
    finally:
        kube.close()


@test('kustomize-apply: kubectl apply -k manifests/default --server-side; the same objects exist')
def kustomize_apply():
    kube = SERVER()
    try:
        rbac = kube.serves(RBAC_GROUP)
        # kubectl's client-side validation fetches the OpenAPI of every kind first and aborts the whole apply
        # when a group is not served; without the RBAC group, validate on the server only for what it serves.
        r = kube.kubectl('apply', '-k', str(ROOT / 'manifests' / 'default'), '--server-side',
                         *([] if rbac else ['--validate=false']), check=False)
        if rbac:
            assert r.returncode == 0, f'apply -k failed: {r.stderr.strip()}'
        else:
            unexpected = [line for line in r.stderr.splitlines() if line.strip() and 'rbac.authorization.k8s.io' not in line
                          and 'ensure CRDs are installed first' not in line]
            assert not unexpected, f'apply -k failed for more than the RBAC kinds: {r.stderr.strip()}'
        check_objects(kube, CORE_OBJECTS)
        rbac_or_skip(kube, ' '.join(r.stderr.split())[:400] if r.returncode else None)
    finally:
        kube.close()


# hack/fetch-upstream-crds.sh's copy, else the offline one beside the repository.
UPSTREAM_CRDS = next((p for p in [ROOT / '.build' / 'upstream-crds' / 'v1.1', ROOT.parent / 'shared' / 'crds' / 'upstream']
                      if p.is_dir()), ROOT / '.build' / 'upstream-crds' / 'v1.1')
SA_USER = f'system:serviceaccount:{NS}:semroute'
SA_GROUPS = ['system:serviceaccounts', f'system:serviceaccounts:{NS}']


def token_kubeconfig(kube, token):
    """A kubeconfig for the same server (and CA) that authenticates with a bearer token, as a pod's service
    account does."""
    cluster = yaml.safe_load(Path(kube.kubeconfig).read_text())['clusters'][0]['cluster']
    path = Path(kube.dir.name) / 'sa-kubeconfig'
    path.write_text(yaml.safe_dump({
        'apiVersion': 'v1', 'kind': 'Config', 'current-context': 'sa',
        'clusters': [{'name': 'kubelocal', 'cluster': cluster}],
        'contexts': [{'name': 'sa', 'context': {'cluster': 'kubelocal', 'user': 'sa', 'namespace': NS}}],
        'users': [{'name': 'sa', 'user': {'token': token}}]}))
    return str(path)


def operator_args(kube):
    """The container args of the chart's operator Deployment, with the listen addresses moved to free loopback ports."""
    deployment = json.loads(kube.kubectl('get', 'deployment', 'semroute', '-n', NS, '-o', 'json').stdout)
    args = deployment['spec']['template']['spec']['containers'][0]['args']
    assert args[0] == 'operator', f'the chart runs {args[:1]}, not the operator'
    moved = {'--metrics-addr': '127.0.0.1:0', '--health-addr': '127.0.0.1:0'}
    return [f'{a.split("=", 1)[0]}={moved[a.split("=", 1)[0]]}' if a.split('=', 1)[0] in moved else a for a in args]


def helm_rbac(values):
    # HTTPS: kubectl sends bearer tokens only over TLS (the operator's client trusts the kubeconfig's CA).
    kube = SERVER(tokens={'sa-token': (SA_USER, SA_GROUPS)}, simulate_workloads=True, tls=True)
    operator = None
    log_path = Path(kube.dir.name) / 'operator.log'
    try:
        for namespace in [NS, *values.get('watchNamespaces', [])]:
            kube.kubectl('apply', '--server-side', '-f', '-', stdin=json.dumps(
                {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': namespace}}))
        assert UPSTREAM_CRDS.is_dir(), f'{UPSTREAM_CRDS} not found (run hack/fetch-upstream-crds.sh)'
        kube.kubectl('apply', '--server-side', '-f', str(UPSTREAM_CRDS))
        asyncio.run(helm.Install(helm.Configuration(namespace=NS, kubeconfig=kube.kubeconfig))
                    .run('semroute', str(helmrender.CHART), values=values, wait=False, timeout=60))
        sa = token_kubeconfig(kube, kube.service_account_token(NS, 'semroute'))
        who = kube.kubectl('create', 'namespace', 'intruder', kubeconfig=sa, check=False)
        assert who.returncode != 0 and f'User "{SA_USER}" cannot create resource "namespaces"' in who.stderr, \
            f'the token is not held to the chart\'s RBAC: {who.stderr.strip() or who.stdout.strip()}'

        args = operator_args(kube)
        with open(log_path, 'w') as log:
            operator = subprocess.Popen([BIN, *args, '--kubeconfig', sa], stdout=log, stderr=subprocess.STDOUT,
                                        env={**os.environ, 'POD_NAME': 'semroute-0', 'POD_NAMESPACE': NS})
        kube.kubectl('apply', '--server-side', '-f', str(ROOT / 'manifests' / 'dev'))
        # No kubelet on the real server: the classifier's pods never run, so the route gets as far as Programmed.
        condition = 'Programmed' if kube.real else 'Ready'
        ready = kube.kubectl('wait', f'--for=condition={condition}', 'sroute/mom', '-n', 'llm', '--timeout=120s', check=False)
        assert ready.returncode == 0, f'the route did not become {condition}: {ready.stderr.strip()}\n' + \
            kube.kubectl('get', 'sroute', 'mom', '-n', 'llm', '-o', 'jsonpath={.status.conditions}', check=False).stdout
        lease = kube.kubectl('get', 'lease', '-n', NS, '-o', 'jsonpath={.items[*].spec.holderIdentity}').stdout
        assert 'semroute-0' in lease, f'the operator holds no Lease in {NS}: {lease!r}'
        managed = 'aigatewayroutes,aiservicebackends,backends,envoypatchpolicies,clienttrafficpolicies,configmaps,deployments,services'
        before = kube.kubectl('get', managed, '-A', '-l', 'app.kubernetes.io/managed-by=semroute', '-o', 'name').stdout.split()
        assert len(before) >= 8, f'expected the rendered objects, found {before}'

        kube.kubectl('delete', 'sroute', 'mom', '-n', 'llm', '--wait=false')
        gone = kube.kubectl('wait', '--for=delete', 'sroute/mom', '-n', 'llm', '--timeout=60s', check=False)
        assert gone.returncode == 0, f'the route was not finalized: {gone.stderr.strip()}'
        # Objects in the route's namespace go by owner reference (the garbage collector: KubeLocal's at once,
        # kube-controller-manager's within seconds); the Gateway namespace's EnvoyPatchPolicy by the operator's
        # finalizer, under the chart's RBAC.
        deadline = time.monotonic() + 60
        while True:
            left = kube.kubectl('get', managed, '-A', '-l', 'semroute.io/route=llm.mom', '-o', 'name').stdout.split()
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert not left, f'left behind after delete: {left}'
        denied = [line for line in log_path.read_text().splitlines() if 'Forbidden' in line or 'forbidden' in line]
        assert not denied, 'the operator was refused by the chart\'s RBAC:\n' + '\n'.join(denied[:5])
    except AssertionError:
        if log_path.exists() and os.environ.get('SEMROUTE_KEEP_LOG'):
            Path(os.environ['SEMROUTE_KEEP_LOG']).write_text(log_path.read_text())
        if log_path.exists():
            print('      operator log (tail):\n' + ''.join('        ' + l for l in log_path.read_text().splitlines(True)[-30:]))
        raise
    finally:
        if operator:
            operator.terminate()
            operator.wait(timeout=30)
        kube.close()


# Two replicas: the chart turns leader election on, so the Lease rules are exercised too.
test('helm-rbac: the operator authenticated as the chart\'s ServiceAccount, authorised only by the chart\'s '
     'ClusterRole, brings the dev sample to Ready (Programmed on the real server, which runs no pods) and cleans up on delete')(lambda: helm_rbac({'replicaCount': 2}))
# Namespaced mode: Roles in the route's, the backends' and the Gateway's namespaces, nothing cluster-wide.
test('helm-rbac-namespaced: the same with watchNamespaces (Roles only in llm, models, envoy-gateway-system)')(
    lambda: helm_rbac({'replicaCount': 2, 'watchNamespaces': ['llm', 'models', 'envoy-gateway-system']}))


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('-k', dest='only', help='run the tests whose name contains this')
parser.add_argument('--server', choices=['kubelocal', 'real'], default='kubelocal',
                    help='KubeLocal, or a real kube-apiserver from KUBEBUILDER_ASSETS (via semroute-envtest)')
ARGS = parser.parse_args()
SERVER = RealServer if ARGS.server == 'real' else KubeLocal
if not Path(BIN).exists():
    sys.exit(f'{BIN} not found: build it first (swift build --product semroute) or set SEMROUTE_BIN')
if ARGS.server == 'real':
    if not os.environ.get('KUBEBUILDER_ASSETS'):
        print('skip  every test: KUBEBUILDER_ASSETS is not set (hack/envtest-assets.sh)')
        sys.exit(0)
    if not Path(ENVTEST_BIN).exists():
        sys.exit(f'{ENVTEST_BIN} not found: build it first (swift build --product semroute-envtest) or set SEMROUTE_ENVTEST_BIN')
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
        print(f'skip  {name}\n      {why}')
    except Exception as error:  # noqa: BLE001 - report every failure, keep going
        failed += 1
        print(f'FAIL  {name}\n      {error}')
        if not isinstance(error, AssertionError):
            traceback.print_exc()
print(f'{passed} passed, {failed} failed' + (f', {skipped} skipped' if skipped else ''))
sys.exit(1 if failed else 0)
