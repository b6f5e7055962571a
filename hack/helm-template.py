#!/usr/bin/env python3
"""Prints the semroute chart rendered by Helm's engine as one YAML stream, CRDs first (like
`helm template --include-crds`), ready for `kubectl apply --server-side -f -`. Needs helm-sdkpy
(pip install --ignore-requires-python helm-sdkpy cffi pycparser).
Usage: hack/helm-template.py [--namespace NS] [--release NAME] [--set-json '{"replicaCount": 2}'] [-f values.yaml]"""
import argparse, json, sys
import helmrender  # first: sets HELM_DRIVER before Helm loads
import yaml

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('--namespace', default='semroute-system')
parser.add_argument('--release', default='semroute')
parser.add_argument('-f', '--values', action='append', default=[], help='a YAML values file (repeatable)')
parser.add_argument('--set-json', action='append', default=[], help='values as a JSON object (repeatable)')
args = parser.parse_args()


def merge(base, extra):
    for k, v in extra.items():
        base[k] = merge(base.get(k, {}), v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return base


values = {}
for path in args.values:
    merge(values, yaml.safe_load(open(path)) or {})
for text in args.set_json:
    merge(values, json.loads(text))
try:
    rendered = helmrender.render(values or None, release=args.release, namespace=args.namespace)
except helmrender.helm.HelmError as error:
    sys.exit(f'helm-template: {error}')
crds = [o for o in rendered.objects if o['kind'] == 'CustomResourceDefinition']
for crd in crds:
    crd.pop('status', None)
    for key in ('uid', 'resourceVersion', 'creationTimestamp'):
        crd['metadata'].pop(key, None)
    print('---')
    print(yaml.safe_dump(crd, sort_keys=False), end='')
print(rendered.manifest, end='')
