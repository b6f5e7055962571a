"""ServiceMonitor, PodMonitor, PrometheusRule (unit-tested with promtool) and the Grafana dashboard, checked
against the metrics the code exports."""
import json, os, re, subprocess
from pathlib import Path
import yaml
from helmrender import ROOT, render
from .support import (
    NS, OPTIONS, Skip, expect, test,
)


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
    # The whole render module, so moving a constant between its files does not break this check.
    render_source = '\n'.join(f.read_text() for f in sorted((ROOT / 'Sources/SemanticRouteRender').glob('*.swift')))
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
    alerts = {a['alert']: a for g in rule['spec']['groups'] for a in g['rules'] if 'alert' in a}
    for name in ('SemrouteReconcileErrors', 'SemrouteRoutesNotReady', 'SemrouteClassifierErrors'):
        expect(name in alerts, f'{name} missing from {sorted(alerts)}')
    expect('semroute_reconcile_errors_total' in alerts['SemrouteReconcileErrors']['expr'], 'reconcile errors expr')
    expect('semroute_routes' in alerts['SemrouteRoutesNotReady']['expr'], 'routes expr')
    expect(alerts['SemrouteClassifierErrors']['expr'].endswith('> 0.5'), alerts['SemrouteClassifierErrors']['expr'])
    expect('{{ $labels.reason }}' in alerts['SemrouteReconcileErrors']['annotations']['summary'],
           'Prometheus template not passed through Helm')


@test('the alerts fire on the series they watch, after their `for`, and not on healthy ones (promtool test rules)')
def _():
    import shutil
    promtool = shutil.which('promtool')
    if not promtool:
        raise Skip('promtool not installed (Debian package prometheus)')
    rule = render({'metrics': {'prometheusRule': {'enabled': True}}}).one('PrometheusRule')
    texts = {a['alert']: a['annotations'] for g in rule['spec']['groups'] for a in g['rules'] if 'alert' in a}

    def fired(alert, labels, value, summary):
        expanded = {k: re.sub(r'\{\{ \$labels\.(\w+) \}\}', lambda m: labels[m.group(1)], v).replace('{{ $value }}', value)
                    for k, v in texts[alert].items()}
        expect(expanded['summary'] == summary, f'{alert} summary: {expanded["summary"]!r}')
        return [{'exp_labels': {**labels, 'severity': rule_severity[alert]}, 'exp_annotations': expanded}]
    rule_severity = {a['alert']: a['labels']['severity'] for g in rule['spec']['groups'] for a in g['rules'] if 'alert' in a}
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
    promtool_test(promtool, rule, series, {'alert_rule_test': [
        {'eval_time': t, 'alertname': a, 'exp_alerts': exp} for a, t, exp in cases]})


def promtool_test(promtool, rule, series, checks):
    """`promtool check rules` and `promtool test rules` on the PrometheusRule's groups, one test of `series`
    with `checks` (alert_rule_test and/or promql_expr_test), evaluated every minute."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / 'rules.yaml').write_text(yaml.safe_dump(rule['spec']))
        (Path(tmp) / 'test.yaml').write_text(yaml.safe_dump({
            'rule_files': ['rules.yaml'], 'evaluation_interval': '1m',
            'tests': [{'interval': '1m', 'input_series': series, **checks}]}))
        for command in (['check', 'rules', 'rules.yaml'], ['test', 'rules', 'test.yaml']):
            out = subprocess.run([promtool, *command], cwd=tmp, capture_output=True, text=True)
            expect(out.returncode == 0, out.stdout + out.stderr)




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
            # Over a binary expression a label may come from either side (group_left, label_replace): any one
            # of the aggregated metrics having it is enough ("a|b").
            names = '|'.join(sorted({HISTOGRAM_SERIES.sub('', s.name) for s in selectors(node.expr)}))
            uses.update((names, label) for label in node.modifier.labels)
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
    out += [(f'alert: {a["alert"]}' if 'alert' in a else f'record: {a["record"]}', a['expr'])
            for g in rule['spec']['groups'] for a in g['rules']]
    return out


def queried_metrics():
    """metric name -> where it is queried (dashboard panels and variables, PrometheusRule alerts)."""
    where = {}
    for place, expr in queries():
        for name in promql_metrics(expr):
            where.setdefault(name, set()).add(place)
    return where


# Envoy AI Gateway's own metrics (v1.1; hack/aigw-fixture-exporter.py serves them for the real-Prometheus tests) and
# the labels the dashboard and rules use. Not ours to export, so not looked up in Sources.
AIGW_LABELS = {'gen_ai_original_model', 'gen_ai_request_model', 'gen_ai_response_model', 'gen_ai_provider_name',
               'gen_ai_operation_name', 'error_type'}
AIGW_METRICS = {
    'gen_ai_server_request_duration_seconds': AIGW_LABELS,
    'gen_ai_client_token_usage': AIGW_LABELS | {'gen_ai_token_type'},
    'gen_ai_server_time_to_first_token_seconds': AIGW_LABELS,
    'gen_ai_server_time_per_output_token_seconds': AIGW_LABELS,
}


def recorded_metrics():
    """name -> labels of the chart's recording rules: the labels their expressions aggregate by."""
    import promql_parser
    rule = render({'metrics': {'prometheusRule': {'enabled': True}}}).one('PrometheusRule')
    out = {}
    for g in rule['spec']['groups']:
        for r in g['rules']:
            if 'record' not in r:
                continue
            labels = set()

            def visit(node):
                if isinstance(node, promql_parser.AggregateExpr) and node.modifier:
                    labels.update(node.modifier.labels)
            promql_parser.walk(promql_tree(r['expr']), visit)
            labels.update(re.findall(r'label_replace\([^"]*"(\w+)"', r['expr']))
            out[r['record']] = labels - {'le'}
    return out


def exported_metrics():
    """metric name -> the string literals of the Swift files that spell it out (Sources/ plus
    SEMROUTE_METRIC_SOURCES): a "semroute_..." literal; or, in a file that defines a name-prefix constant
    (`static let prefix = "semroute_classifier_"`), that prefix joined to a lowercase literal of the same file
    (`prefix + "errors_total"`, `"\\(prefix)errors_total"`, `prefix + (hit ? "cache_hits_total" : ...)`); or a
    library name built from a prefix parameter (`metricsPrefix + "reconcile_total"` in KubeRuntime) joined to a
    `...Prefix = "semroute_"` constant that some file of the operator defines and passes in."""
    roots = [ROOT / 'Sources'] + [Path(p) for p in os.environ.get('SEMROUTE_METRIC_SOURCES', '').split(':') if p]
    files = {path: path.read_text(errors='replace') for root in roots for path in root.rglob('*.swift')}
    passed_prefixes = {m for text in files.values()
                       for m in re.findall(r'\b\w*[pP]refix\s*(?::\s*String\s*)?=\s*"(semroute_)"', text)}
    exported = {}
    for path, text in files.items():
        literals = set(re.findall(r'"([A-Za-z0-9_]+)"', text))
        names = {l for l in literals if l.startswith('semroute_')}
        prefixes = re.findall(r'\blet\s+\w+\s*(?::\s*String\s*)?=\s*"(semroute_(?:[a-z0-9_]*_)?)"', text)
        if prefixes:  # joined only within the file that defines the prefix
            suffixes = {l for l in literals if re.fullmatch(r'[a-z0-9_]+', l)}
            suffixes |= set(re.findall(r'\\\(\s*(?:\w+\.)*\w+\s*\)([a-z0-9_]+)"', text))
            names |= {prefix + suffix for prefix in prefixes for suffix in suffixes}
        joined = set(re.findall(r'\b\w*[pP]refix\s*\+\s*"([a-z0-9_]+)"', text))
        names |= {prefix + suffix for prefix in passed_prefixes for suffix in joined}
        for name in names:
            exported.setdefault(name, set()).update(literals)
    for name, labels in {**AIGW_METRICS, **recorded_metrics()}.items():
        exported.setdefault(name, set()).update(labels)
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
            alternatives = [m for m in metric.split('|') if m in exported]
            if alternatives and all(label not in exported[m] for m in alternatives):
                problems.append(f'{metric}: label "{label}" is not a string literal where the metric is defined ({place})')
    if problems:
        message = f'{len(problems)} problem(s) with the {len(where)} metric names queried:\n' + '\n'.join(f'    {p}' for p in problems)
        if OPTIONS["metrics_report_only"]:
            print(f'  note: {message}')
        else:
            raise AssertionError(message)


@test('the recording rules turn AI Gateway metrics into requests, errors, tokens and cost per decision and backend (promtool test rules)')
def _():
    import shutil
    promtool = shutil.which('promtool')
    if not promtool:
        raise Skip('promtool not installed (Debian package prometheus)')
    rule = render({'metrics': {'prometheusRule': {'enabled': True}}}).one('PrometheusRule')
    recorded = {r['record'] for g in rule['spec']['groups'] for r in g['rules'] if 'record' in r}
    expect({'semroute:gen_ai_requests:rate', 'semroute:gen_ai_request_errors:rate', 'semroute:gen_ai_tokens:rate',
            'semroute:gen_ai_cost:per_hour', 'semroute:gen_ai_request_duration_seconds:p95',
            'semroute:gen_ai_time_to_first_token_seconds:p95', 'semroute:gen_ai_time_per_output_token_seconds:p50'} <= recorded,
           f'{sorted(recorded)}')
    base = 'gen_ai_original_model="mom.math", gen_ai_request_model="gpt-4o-mini"'
    series = [
        # 600 requests per minute (10/s), 60 of them failed; 200 input and 100 output tokens per request.
        {'series': f'gen_ai_server_request_duration_seconds_count{{{base}}}', 'values': '0+540x20'},
        {'series': f'gen_ai_server_request_duration_seconds_count{{{base}, error_type="_OTHER"}}', 'values': '0+60x20'},
        {'series': f'gen_ai_client_token_usage_sum{{{base}, gen_ai_token_type="input"}}', 'values': '0+120000x20'},
        {'series': f'gen_ai_client_token_usage_sum{{{base}, gen_ai_token_type="output"}}', 'values': '0+60000x20'},
        # Another decision without errors: its error rate is 0, not absent.
        {'series': 'gen_ai_server_request_duration_seconds_count{gen_ai_original_model="mom.default", gen_ai_request_model="gpt-4o-mini"}',
         'values': '0+60x20'},
        # The operator's price gauges: 0.15 / 0.60 USD per million tokens.
        {'series': 'semroute_backend_price_per_million_tokens{route_namespace="llm", route="mom", backend="gpt-4o-mini", model="gpt-4o-mini", token_type="input", currency="USD"}', 'values': '0.15x20'},
        {'series': 'semroute_backend_price_per_million_tokens{route_namespace="llm", route="mom", backend="gpt-4o-mini", model="gpt-4o-mini", token_type="output", currency="USD"}', 'values': '0.6x20'},
        # Another route prices the same model lower, in another currency: the join keeps one price and still works.
        {'series': 'semroute_backend_price_per_million_tokens{route_namespace="eu", route="mom", backend="mini", model="gpt-4o-mini", token_type="input", currency="EUR"}', 'values': '0.1x20'},
        {'series': 'semroute_backend_price_per_million_tokens{route_namespace="eu", route="mom", backend="mini", model="gpt-4o-mini", token_type="output", currency="EUR"}', 'values': '0.5x20'},
    ]
    tests = [
        {'expr': 'semroute:gen_ai_requests:rate{gen_ai_original_model="mom.math"}', 'eval_time': '10m', 'exp_samples': [{'labels': 'semroute:gen_ai_requests:rate{gen_ai_original_model="mom.math", gen_ai_request_model="gpt-4o-mini"}', 'value': 10}]},
        {'expr': 'semroute:gen_ai_request_errors:rate', 'eval_time': '10m', 'exp_samples': [
            {'labels': 'semroute:gen_ai_request_errors:rate{gen_ai_original_model="mom.default", gen_ai_request_model="gpt-4o-mini"}', 'value': 0},
            {'labels': 'semroute:gen_ai_request_errors:rate{gen_ai_original_model="mom.math", gen_ai_request_model="gpt-4o-mini"}', 'value': 1}]},
        # (2000 input x 0.15 + 1000 output x 0.60) tokens/s per million x 3600 s = 3.24 USD per hour.
        {'expr': 'semroute:gen_ai_cost:per_hour', 'eval_time': '10m', 'exp_samples': [
            {'labels': 'semroute:gen_ai_cost:per_hour{gen_ai_original_model="mom.math", gen_ai_request_model="gpt-4o-mini", currency="USD"}', 'value': 3.24}]},
    ]
    promtool_test(promtool, rule, series, {'promql_expr_test': tests})
