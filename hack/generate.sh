#!/usr/bin/env bash
# Regenerates everything derived from the API types: the CRD (and its copy in the Helm chart) and the API reference.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product semroute >/dev/null
bin="$(swift build --show-bin-path)/semroute"
"$bin" crd > crds/semroute.io_semanticroutes.yaml
cp crds/semroute.io_semanticroutes.yaml charts/semroute/crds/semroute.io_semanticroutes.yaml
"$bin" docs api > docs/api.md
echo "generated crds/semroute.io_semanticroutes.yaml charts/semroute/crds/semroute.io_semanticroutes.yaml docs/api.md"
