#!/usr/bin/env bash
# Regenerates Sources/ClassifierServer/Generated from proto/ (the minimal Envoy ext_proc subset).
# Run once after changing a .proto file and commit the output; the build never runs protoc.
#
# Needs Debian's protoc (`apt-get install protobuf-compiler`) and the two Swift plugins, built from the
# package checkouts SwiftPM already resolved (swift-protobuf and grpc-swift-protobuf, at the versions in
# Package.resolved) in a scratch folder so the project's .build is untouched:
#   PLUGIN_DIR=/tmp/protoc-plugins hack/gen-proto.sh
# With --check, generates into a temporary folder and fails when the committed code differs (drift check).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

plugin_dir="${PLUGIN_DIR:-/tmp/protoc-plugins}"
out=Sources/ClassifierServer/Generated
command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }

build_plugins() {
  local checkouts="$PWD/.build/checkouts"
  [ -d "$checkouts/grpc-swift-protobuf" ] || swift package resolve
  mkdir -p "$plugin_dir"
  if [ ! -d "$plugin_dir/grpc-swift-protobuf" ]; then
    cp -r "$checkouts/grpc-swift-protobuf" "$plugin_dir/grpc-swift-protobuf"
  fi
  # protoc-gen-swift is a product of grpc-swift-protobuf's swift-protobuf dependency.
  (cd "$plugin_dir/grpc-swift-protobuf" &&
     swift build -c release --product protoc-gen-grpc-swift-2 >&2 &&
     swift build -c release --product protoc-gen-swift >&2)
}

bin="$plugin_dir/grpc-swift-protobuf/.build/release"
if [ ! -x "$bin/protoc-gen-swift" ] || [ ! -x "$bin/protoc-gen-grpc-swift-2" ]; then
  build_plugins
fi

committed=$out
if [ "${1:-}" = "--check" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
else
  rm -rf "$out"
  mkdir -p "$out"
fi
protos=(
  envoy/config/core/v3/base.proto
  envoy/type/v3/http_status.proto
  envoy/extensions/filters/http/ext_proc/v3/processing_mode.proto
  envoy/service/ext_proc/v3/external_processor.proto
)
# Public: the tests and semroute-bench play Envoy's side of the stream with these messages and the client.
protoc -I proto \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift="$bin/protoc-gen-grpc-swift-2" \
  --swift_out="$out" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
  --grpc-swift_out="$out" --grpc-swift_opt=Visibility=Public,FileNaming=PathToUnderscores,Client=true,Server=true \
  "${protos[@]}"
if [ "${1:-}" = "--check" ]; then
  if ! diff -ru "$committed" "$out" >/tmp/semroute-proto-drift.diff; then
    echo "drift: $committed is not what hack/gen-proto.sh generates from proto/; run hack/gen-proto.sh" >&2
    head -40 /tmp/semroute-proto-drift.diff >&2
    exit 1
  fi
  echo "generated protobuf code is up to date"
  exit 0
fi
echo "generated $(ls "$out" | wc -l) files in $out from ${#protos[@]} protos (protoc $(protoc --version | cut -d' ' -f2))"
