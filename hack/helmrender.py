"""Renders the semroute chart with Helm's own engine (the PyPI package helm-sdkpy, which embeds Helm's Go
library) by installing it into hack/fakekube.py's in-memory API server: helm-sdkpy has no client-only
`helm template`, and an install also exercises what `helm template` skips (CRDs from crds/, resource
mapping of every kind). Importing it re-runs the calling script with HELM_DRIVER=memory when needed."""
import asyncio, os, sys
from dataclasses import dataclass
from pathlib import Path

# Helm's Go runtime reads the environment the process started with (later os.environ changes are not seen),
# so re-run the script with the in-memory release driver (no protobuf release Secrets) when it is not set.
if os.environ.get('HELM_DRIVER') != 'memory':
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, 'HELM_DRIVER': 'memory'})
sys.path.insert(0, str(Path(__file__).resolve().parent))
import yaml  # noqa: E402
import helm_sdkpy as helm  # noqa: E402
from fakekube import FakeKube  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / 'charts' / 'semroute'


@dataclass
class Rendered:
    manifest: str    # the templates' output as one YAML stream (what `helm template` prints)
    objects: list    # everything Helm created in the API server, CRDs included, in creation order
    requests: list   # (method, path, query) of every request Helm made

    @property
    def documents(self):
        return [d for d in yaml.safe_load_all(self.manifest) if d]

    def find(self, kind, name=None, namespace=None):
        return [o for o in self.objects if o['kind'] == kind and (name is None or o['metadata']['name'] == name)
                and (namespace is None or o['metadata'].get('namespace') == namespace)]

    def one(self, kind, name=None, namespace=None):
        found = self.find(kind, name, namespace)
        if len(found) != 1:
            raise AssertionError(f'expected one {kind} {name or ""} {namespace or ""}, found {len(found)}')
        return found[0]


def render(values=None, release='semroute', namespace='semroute-system', chart=CHART):
    """Installs the chart with `values` into a fresh fake API server. Raises helm_sdkpy.HelmError (with
    Helm's message, e.g. the values-schema violations) when Helm rejects the chart or the values."""
    kube = FakeKube()
    try:
        config = helm.Configuration(namespace=namespace, kubeconfig=kube.kubeconfig())
        result = asyncio.run(helm.Install(config).run(release, str(chart), values=values, wait=False, timeout=60))
        order = [o for o in kube.created]
        return Rendered(result['manifest'], order, list(kube.requests))
    finally:
        kube.close()


def lint(chart=CHART):
    """Helm's lint result: {'Messages': [{'Severity': 1 info | 2 warning | 3 error, 'Path': ...}], ...}.
    (helm-sdkpy drops the message text; render() reports the reason of a failing template.)"""
    return asyncio.run(helm.Lint(helm.Configuration(namespace='default')).run(str(chart)))
