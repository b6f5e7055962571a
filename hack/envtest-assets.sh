#!/usr/bin/env bash
# Prints the folder holding etcd, kube-apiserver and kube-controller-manager for the real-API-server tests
# (the envtest convention, KUBEBUILDER_ASSETS): $KUBEBUILDER_ASSETS when set; else ../shared/envtest unpacked
# into .build/envtest (checked by its sha256); else nothing, and the tier skips with one line naming the variable.
# `setup-envtest use 1.32.x -p path` gives the same binaries from the official builds.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then echo "$KUBEBUILDER_ASSETS"; exit 0; fi
unpack="$repo/../shared/envtest/unpack.sh"
if [[ -x "$unpack" ]] && command -v xz >/dev/null; then
  "$unpack" "$repo/.build/envtest" >/dev/null && echo "$repo/.build/envtest"
fi
