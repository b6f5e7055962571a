#!/usr/bin/env bash
# Fails when a generated file differs from what its source generates now (CI runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${SEMROUTE_BIN:-}"
if [ -z "$bin" ]; then
  swift build --product semroute >/dev/null
  bin="$(swift build --show-bin-path)/semroute"
fi
status=0
check() {  # check FILE COMMAND...
  local file=$1; shift
  if ! diff -u "$file" <("$@") >/tmp/semroute-drift.diff; then
    echo "drift: $file is not what \`$*\` generates; run \`make generate\`" >&2
    head -40 /tmp/semroute-drift.diff >&2
    status=1
  fi
}
check crds/semroute.io_semanticroutes.yaml "$bin" crd
check charts/semroute/crds/semroute.io_semanticroutes.yaml "$bin" crd
check docs/api.md "$bin" docs api
[ $status -eq 0 ] && echo "generated files are up to date"
exit $status
