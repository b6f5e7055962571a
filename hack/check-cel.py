#!/usr/bin/env python3
"""Compiles every CEL rule (x-kubernetes-validations) of the generated SemanticRoute CRD and evaluates
each against every sample at the node it applies to: every rule must compile, hold on every valid
sample, and fail on the known-bad objects below. Uses cel-python (PyPI `cel-python`), which implements
the CEL standard; Kubernetes adds library functions our rules do not use.
Usage: hack/check-cel.py  (run by .ci/run)"""
import glob, sys, yaml, celpy
from celpy import json_to_cel

crd = yaml.safe_load(open('crds/semroute.io_semanticroutes.yaml'))
root = crd['spec']['versions'][0]['schema']['openAPIV3Schema']
env = celpy.Environment()
rules = []  # (schema path, compiled program, rule text)

def collect(schema, path):
    for r in schema.get('x-kubernetes-validations', []):
        rules.append((path, env.program(env.compile(r['rule'])), r['rule']))
    for name, child in (schema.get('properties') or {}).items():
        collect(child, path + [name])
    if 'items' in schema:
        collect(schema['items'], path + ['[]'])

def nodes(value, path):
    """Every value at `path` ('[]' iterates a list)."""
    if not path:
        yield value
        return
    head, rest = path[0], path[1:]
    if head == '[]':
        for item in value if isinstance(value, list) else []:
            yield from nodes(item, rest)
    elif isinstance(value, dict) and head in value:
        yield from nodes(value[head], rest)

def failures(obj):
    out = []
    for path, program, text in rules:
        for node in nodes(obj, path):
            try:
                result = program.evaluate({'self': json_to_cel(node)})
                holds = not isinstance(result, Exception) and bool(result)
            except Exception:  # an evaluation error counts as not holding, as in kube-apiserver
                holds = False
            if not holds:
                out.append(('.'.join(path), text))
    return out

collect(root, [])
status = 0
samples = sorted(glob.glob('manifests/samples/**/*.yaml', recursive=True))
for file in samples:
    for doc in yaml.safe_load_all(open(file)):
        for path, text in failures(doc):
            print(f'FAIL {file}: rule at {path} does not hold: {text}')
            status = 1

base = yaml.safe_load(open('manifests/samples/mom.yaml'))
def broken(edit):
    import copy
    doc = copy.deepcopy(base)
    edit(doc['spec'])
    return doc
negatives = {
    'target names a missing backend': lambda s: s['decisions'][0]['targets'][0].update(backend='nope'),
    'two auth members': lambda s: s['backends'][2]['auth'].update(azureAPIKey={'secretRef': {'name': 'k'}}),
    'endpoint with service and url': lambda s: s['backends'][0]['endpoint'].update(url='http://x'),
    'only fallback targets': lambda s: s['defaultTargets'][0].update(priority=1),
    'alias repeats model': lambda s: s.update(aliases=['MoM']),
    'shadow to a missing backend': lambda s: s['shadow'].update(backend='nope'),
    'empty condition': lambda s: s['decisions'][0].update(when={}),
    'decision named default': lambda s: s['decisions'][0].update(name='default'),
    'retry statusCodes without retriable-status-codes': lambda s: s['retry'].update(triggers=['connect-failure']),
    'retry statusCodes without retriable-status-codes (deprecated on)': lambda s: (s['retry'].pop('triggers'), s['retry'].update(on=['reset'])),
    'retry triggers and on together': lambda s: s['retry'].update(on=['reset']),
    'rate limit with tokens and a budget': lambda s: s['rateLimits'][0].update(budget={'amount': '5'}),
    'rate limit with neither tokens nor a budget': lambda s: (s['rateLimits'][0].pop('tokens'), s['rateLimits'][0].pop('limit')),
    'money budget with an unpriced backend': lambda s: s['rateLimits'].append({'name': 'spend', 'budget': {'amount': '5', 'currency': 'USD'}, 'window': 'Day'}),
    'experiment arm naming a missing backend': lambda s: s.update(experiments=[{'name': 'x', 'header': 'x-user-id', 'arms': [{'name': 'a', 'backend': 'nope'}, {'name': 'b', 'backend': s['backends'][0]['name']}]}]),
    'experiment on a missing decision': lambda s: s.update(experiments=[{'name': 'x', 'decision': 'nope', 'header': 'x-user-id', 'arms': [{'name': 'a', 'backend': s['backends'][0]['name']}, {'name': 'b', 'backend': s['backends'][1]['name']}]}]),
    'experiment with every arm at weight 0': lambda s: s.update(experiments=[{'name': 'x', 'header': 'x-user-id', 'arms': [{'name': 'a', 'backend': s['backends'][0]['name'], 'weight': 0}, {'name': 'b', 'backend': s['backends'][1]['name'], 'weight': 0}]}]),
    'ActiveActive with a fallback tier': lambda s: (s.update(failover={'mode': 'ActiveActive'}), s['defaultTargets'].append({'backend': s['backends'][0]['name'], 'priority': 1})),
    'active health check on a route with hosted backends': lambda s: s.update(failover={'healthCheck': {'path': '/health'}}),
    'header match with two kinds': lambda s: s['decisions'][0]['when'].update(headers=[{'name': 'x-tier', 'exact': 'premium', 'prefix': 'pre'}]),
    'header match with no kind': lambda s: s['decisions'][0]['when'].update(headers=[{'name': 'x-tier'}]),
    'header present: false': lambda s: s['decisions'][0]['when'].update(headers=[{'name': 'x-tier', 'present': False}]),
    'header absent: false': lambda s: s['decisions'][0]['when'].update(headers=[{'name': 'x-tier', 'absent': False}]),
    'rollout to a missing candidate': lambda s: s.update(rollouts=[{'name': 'r', 'stable': s['backends'][0]['name'], 'candidate': 'nope'}]),
    'rollout with candidate = stable': lambda s: s.update(rollouts=[{'name': 'r', 'stable': s['backends'][0]['name'], 'candidate': s['backends'][0]['name']}]),
    'rollout on a missing decision': lambda s: s.update(rollouts=[{'name': 'r', 'decision': 'nope', 'stable': s['backends'][0]['name'], 'candidate': s['backends'][1]['name']}]),
    'rollout steps not increasing': lambda s: s.update(rollouts=[{'name': 'r', 'stable': s['backends'][0]['name'], 'candidate': s['backends'][1]['name'], 'steps': [5, 50, 25]}]),
    'rollout steps with none below 100': lambda s: s.update(rollouts=[{'name': 'r', 'stable': s['backends'][0]['name'], 'candidate': s['backends'][1]['name'], 'steps': [100]}]),
    'domainMinProbability without domains': lambda s: s['decisions'][0].update(when={'keywords': {'any': ['integral']}, 'domainMinProbability': 0.6}),
    'domainMinProbability without domains, nested': lambda s: s['decisions'][0].update(when={'anyOf': [{'keywords': {'any': ['a']}, 'domainMinProbability': 0.6}]}),
    'two rollouts on one decision': lambda s: s.update(rollouts=[{'name': n, 'stable': s['backends'][0]['name'], 'candidate': s['backends'][1]['name']} for n in ('a', 'b')]),
}
for name, edit in negatives.items():
    if not failures(broken(edit)):
        print(f'FAIL negative case accepted: {name}')
        status = 1
print(f'{len(rules)} CEL rules compiled; {len(samples)} samples hold; {len(negatives)} negative cases rejected'
      if status == 0 else 'CEL check failed')
sys.exit(status)
