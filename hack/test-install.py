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
import argparse, sys, traceback
from installtests import chart_tests, rbac_tests, kustomize_tests, monitoring_tests, image_tests  # noqa: F401 - registers the tests
from installtests.support import OPTIONS, TESTS, Skip

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('-k', dest='only', help='run the tests whose name contains this')
parser.add_argument('--metrics-report-only', action='store_true')
ARGS = parser.parse_args()
OPTIONS['metrics_report_only'] = ARGS.metrics_report_only
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
