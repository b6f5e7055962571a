"""manifests/default: renders with kubectl kustomize and equals the chart's defaults."""
import yaml
from helmrender import ROOT
from .support import (
    NS, by_key, default, describe, expect, grants, kustomized, test,
)


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
    for kind, name, ns in [('ClusterRole', 'semroute', ''), ('ClusterRole', 'semroute-crd-reader', ''),
                           ('Role', 'semroute-leader-election', NS)]:
        expect(grants(k[(kind, name, ns)]) == grants(h[(kind, name, ns)]),
               f'{kind} {name}: kustomize only {describe(grants(k[(kind, name, ns)]) - grants(h[(kind, name, ns)]))}, '
               f'chart only {describe(grants(h[(kind, name, ns)]) - grants(k[(kind, name, ns)]))}')
    for kind, name, ns in [('ClusterRoleBinding', 'semroute', ''), ('ClusterRoleBinding', 'semroute-crd-reader', ''),
                           ('RoleBinding', 'semroute-leader-election', NS)]:
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
