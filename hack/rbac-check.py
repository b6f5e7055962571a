#!/usr/bin/env python3
"""Checks that every request an operator run made is allowed by the chart's RBAC, as kube-apiserver's RBAC
authorizer would decide (hack/rbac.py). Feed it the requests a scenario made against KubeLocal (its
RequestLog entries as JSON: verb, group, resource, subresource, namespace, name, path), e.g. from an
end-to-end test of `semroute operator`; it renders the chart with Helm's engine (hack/helmrender.py) and
prints each request the operator's ServiceAccount could not have made. Exit 1 when any.
Usage: hack/rbac-check.py REQUESTS.json [--set-json '{"watchNamespaces": ["llm"]}'] [--namespace semroute-system]"""
import helmrender  # first: re-runs this script with HELM_DRIVER=memory when needed
import argparse, json, sys
from rbac import Authorizer, Request

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('requests', help='a JSON array of request entries, or one JSON object per line')
parser.add_argument('--set-json', action='append', default=[], help='chart values as a JSON object (repeatable)')
parser.add_argument('--namespace', default='semroute-system')
parser.add_argument('--release', default='semroute')
args = parser.parse_args()

text = open(args.requests).read().strip()
entries = json.loads(text) if text.startswith('[') else [json.loads(line) for line in text.splitlines() if line.strip()]
values = {}
for extra in args.set_json:
    values.update(json.loads(extra))
rendered = helmrender.render(values or None, release=args.release, namespace=args.namespace)
account = rendered.one('ServiceAccount')['metadata']['name']
denied = Authorizer(rendered.objects).denied([Request.from_entry(e) for e in entries], (args.namespace, account))
for request in sorted(set(denied), key=str):
    print(f'denied: {request}')
print(f'{len(entries) - len(denied)} of {len(entries)} requests allowed for ServiceAccount {args.namespace}/{account}')
sys.exit(1 if denied else 0)
