#!/usr/bin/env bash
# The upstream CRDs the tests validate rendered objects against and install into the real API server:
#   v1.1: Envoy AI Gateway v1.1.0, Envoy Gateway v1.8.1, Gateway API v1.5.1 (standard channel)
#   v1.2: AI Gateway v1.2.0, Envoy Gateway v1.9, Gateway API v1.6 (provenance: ../shared/crds/upstream-aigw-v1.2/README.md)
# into <repo>/.build/upstream-crds/{v1.1,v1.2}, each file checked against its pinned sha256 (like hack/fetch-model.sh).
# Sources, in order: an offline copy (../shared/crds here, or $SEMROUTE_CRDS_SOURCE), then the pinned release URLs
# (v1.1 only: the AI Gateway v1.2.0 files have no release URL, see that README). When neither works, it says so
# and exits 0: the tests that need the CRDs skip with a line naming what is missing.
# Usage: hack/fetch-upstream-crds.sh [target-dir]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:-$repo/.build/upstream-crds}"
source_dir="${SEMROUTE_CRDS_SOURCE:-$repo/../shared/crds}"

sha() { sha256sum "$1" | cut -d' ' -f1; }

# file  sha256  url
v11=(
  "aigateway.envoyproxy.io_aigatewayroutes.yaml c6ca0a06b214d93f1c7eefe8f9735fa551f23948088e0bf3c317b792ad68f162 https://raw.githubusercontent.com/envoyproxy/ai-gateway/v1.1.0/manifests/charts/ai-gateway-crds-helm/templates/aigateway.envoyproxy.io_aigatewayroutes.yaml"
  "aigateway.envoyproxy.io_aiservicebackends.yaml 35f6323a486a6f447be41fe1de4327f6e6e7254a0ca61d33186cb03fe11888f6 https://raw.githubusercontent.com/envoyproxy/ai-gateway/v1.1.0/manifests/charts/ai-gateway-crds-helm/templates/aigateway.envoyproxy.io_aiservicebackends.yaml"
  "aigateway.envoyproxy.io_backendsecuritypolicies.yaml b2a2cfef49fd3253c70339231eef1745562515488022dcedc0c732df1c96c8f3 https://raw.githubusercontent.com/envoyproxy/ai-gateway/v1.1.0/manifests/charts/ai-gateway-crds-helm/templates/aigateway.envoyproxy.io_backendsecuritypolicies.yaml"
  "aigateway.envoyproxy.io_gatewayconfigs.yaml 3e409ab57d85ee6c42b993ed869c7db28fde4b0e952c35c84a1240df09f21c1e https://raw.githubusercontent.com/envoyproxy/ai-gateway/v1.1.0/manifests/charts/ai-gateway-crds-helm/templates/aigateway.envoyproxy.io_gatewayconfigs.yaml"
  "aigateway.envoyproxy.io_mcproutes.yaml dd0a32cf5c7028eead8db0099ce2a959c72209dcc8043a14466d8290cf8e1a84 https://raw.githubusercontent.com/envoyproxy/ai-gateway/v1.1.0/manifests/charts/ai-gateway-crds-helm/templates/aigateway.envoyproxy.io_mcproutes.yaml"
  "aigateway.envoyproxy.io_quotapolicies.yaml 0e8b899c520e6ff5b224b7e4e6064f959e8256e6949817615cde8cf37269eb85 https://raw.githubusercontent.com/envoyproxy/ai-gateway/v1.1.0/manifests/charts/ai-gateway-crds-helm/templates/aigateway.envoyproxy.io_quotapolicies.yaml"
  "gateway.envoyproxy.io_backends.yaml 456cbad5d7efd20e4e1bcbe00caea177f711b66c28e96dd75f8507c53ab3eea6 https://raw.githubusercontent.com/envoyproxy/gateway/v1.8.1/charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_backends.yaml"
  "gateway.envoyproxy.io_backendtrafficpolicies.yaml dc4eabbf2c9393355e30e35f2976f4ed2c09f9b69e9c4419509c2ba5d0b8bbd1 https://raw.githubusercontent.com/envoyproxy/gateway/v1.8.1/charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_backendtrafficpolicies.yaml"
  "gateway.envoyproxy.io_clienttrafficpolicies.yaml 5322c533fd33282cce6eba9405331477872a06fafebaac20026bb6d08ff4a291 https://raw.githubusercontent.com/envoyproxy/gateway/v1.8.1/charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_clienttrafficpolicies.yaml"
  "gateway.envoyproxy.io_envoyextensionpolicies.yaml 8370ddaf25e0cdcf248aba4672c3aaad071322bc55d0f543a4f0c6dd7a6e5254 https://raw.githubusercontent.com/envoyproxy/gateway/v1.8.1/charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_envoyextensionpolicies.yaml"
  "gateway.envoyproxy.io_envoypatchpolicies.yaml 8e9110c32b414ea5c43a85e272dc2dee8917ed0bfa36a9a2b72fde1f3fba6083 https://raw.githubusercontent.com/envoyproxy/gateway/v1.8.1/charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_envoypatchpolicies.yaml"
  "gateway.envoyproxy.io_securitypolicies.yaml 6c0dc326d048c3b25b720b49d92fb149b7b70cf035211d17501779bb5dd882f3 https://raw.githubusercontent.com/envoyproxy/gateway/v1.8.1/charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_securitypolicies.yaml"
  "gateway.networking.k8s.io_backendtlspolicies.yaml 9b8818172153d72f9c84032db0be0a4a657277d13f5bbc22226ad9481ff57971 https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/v1.5.1/config/crd/standard/gateway.networking.k8s.io_backendtlspolicies.yaml"
  "gateway.networking.k8s.io_gatewayclasses.yaml 234ad4b2757ee1b3596a4187bb98df071c5bbdd9e1806f692f2dbf8387e6bef4 https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/v1.5.1/config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml"
  "gateway.networking.k8s.io_gateways.yaml 7416e8300eb4d8c0a71a23445609075bbacbe8bc80104584b019cfe1ebe77c31 https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/v1.5.1/config/crd/standard/gateway.networking.k8s.io_gateways.yaml"
  "gateway.networking.k8s.io_httproutes.yaml 682203b109baecb18d38073a578f7bc2c17d22fe9b0c27bf030850abe014c370 https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/v1.5.1/config/crd/standard/gateway.networking.k8s.io_httproutes.yaml"
  "gateway.networking.k8s.io_referencegrants.yaml a8902c486eed0b7339f5bb8a476ccaba0918eb038048402bdc01cbb69b0fbb51 https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/v1.5.1/config/crd/standard/gateway.networking.k8s.io_referencegrants.yaml"
)

# file (relative)  sha256   (offline copy only)
v12=(
  "aigateway.envoyproxy.io_aigatewayroutes.yaml 6a05060b6966f4b99b60f218fc11ef9bf9ce79453c734072c94e58934bf4fb12"
  "aigateway.envoyproxy.io_aiservicebackends.yaml 18855d9b6489da171c378cb62319e58a8ec3488fd4e26419283d18e80169f4af"
  "aigateway.envoyproxy.io_backendsecuritypolicies.yaml 5d03955ff5eecacddae377243cb8a104d64aed9cd0c9d51bd3d5cad9532672ec"
  "aigateway.envoyproxy.io_gatewayconfigs.yaml 5165412899c4d24e6edfd2d4c89768938b9b156fea459dac87fc0feab058f0a5"
  "aigateway.envoyproxy.io_mcproutes.yaml 149bc1249218c2ef7e39d5a0a2813970944374889a7f4763345acfc8f664ece8"
  "aigateway.envoyproxy.io_quotapolicies.yaml 156d5be8b3af6cea2c633771d52e6921ff3e350e819950a5f46c8bd7879e1cb9"
  "gateway.envoyproxy.io_backends.yaml bb1901aea758d05458b853b07db04a96a1ea4346b177e392e5ce7398573805be"
  "gateway.envoyproxy.io_backendtrafficpolicies.yaml cd75a4c222df5487aa9ca8957b48bcc3255eb25de02ed9153faf620bc160f786"
  "gateway.envoyproxy.io_clienttrafficpolicies.yaml 2c7eaa1ce30de626e9c362b8d9002281c2f435f970020fa81902ad7f30b38d5b"
  "gateway.envoyproxy.io_envoyextensionpolicies.yaml 92f4dfdd67be4b242511381d6175f517782e655233fdf5b5e28a400ea5601f79"
  "gateway.envoyproxy.io_envoypatchpolicies.yaml 8e9110c32b414ea5c43a85e272dc2dee8917ed0bfa36a9a2b72fde1f3fba6083"
  "gateway.envoyproxy.io_securitypolicies.yaml 6412914ec5b7c48f58b85f60a80767ba15a50c8d374480cf5f2d872e4a764466"
  "gateway.networking.k8s.io_backendtlspolicies.yaml 0d48c9e4b53dd9510cf615b9b1192d9d7afb07a1cc0498c9515627cb1c075419"
  "gateway.networking.k8s.io_gatewayclasses.yaml 53710048ba26f8620eed59d5e51b157ecf040daf5c6eef31a4b991e0808c4be5"
  "gateway.networking.k8s.io_gateways.yaml 25b885f5870b8fff1ae82efa2628b2761cef3745900c2aecf8fb76629a01255a"
  "gateway.networking.k8s.io_httproutes.yaml a424a0d6c953b162e71d1d97bb7e75012d8f1ac264e7274f2763d1b96ab39852"
  "gateway.networking.k8s.io_referencegrants.yaml 8c645e9333cfa67790cc2a53e0c00076f88b2bd4230d2b49688c78bc34f9b2c3"
  "gateway-api-experimental/gateway.networking.k8s.io_backendtlspolicies.yaml 7fa88a1a7d5f13f8a960e8bd48903835a0b833e0f6706f401101a27ff36aff3b"
  "gateway-api-experimental/gateway.networking.k8s.io_gatewayclasses.yaml ff653735d0477f97fb3cb2a21245f55ac6996dfe4f39969150f6989d0f1da826"
  "gateway-api-experimental/gateway.networking.k8s.io_gateways.yaml 97092d53c4f61a9d1754f608ad1dc85566e197facb35d629132ff08954bd4422"
  "gateway-api-experimental/gateway.networking.k8s.io_httproutes.yaml a3615d380381a768edbca2cfec067c037afa82e86bc9b1e29a0b84c8a28d76b3"
  "gateway-api-experimental/gateway.networking.k8s.io_referencegrants.yaml e1d9a270f94895640db547421dfa708db2ae935a1a8c033a6cf6481274f5029e"
)

# install SET_DIR SOURCE_SUBDIR "file sha [url]"...: copies or downloads each file, verifies it; returns 1 when one is missing.
install_set() {
  local dir="$1" offline="$2"; shift 2
  local missing=0 entry file want url
  mkdir -p "$dir"
  for entry in "$@"; do
    read -r file want url <<<"$entry"
    mkdir -p "$dir/$(dirname "$file")"
    if [[ -f "$dir/$file" && "$(sha "$dir/$file")" == "$want" ]]; then continue; fi
    if [[ -f "$offline/$file" && "$(sha "$offline/$file")" == "$want" ]]; then
      cp "$offline/$file" "$dir/$file.tmp"
    elif [[ -n "${url:-}" ]] && curl -fsSL --max-time 60 -o "$dir/$file.tmp" "$url" 2>/dev/null; then
      :
    else
      missing=1; continue
    fi
    if [[ "$(sha "$dir/$file.tmp")" != "$want" ]]; then
      echo "fetch-upstream-crds: $file: sha256 $(sha "$dir/$file.tmp"), expected $want" >&2
      rm -f "$dir/$file.tmp"; exit 1
    fi
    mv "$dir/$file.tmp" "$dir/$file"
  done
  return $missing
}

for set in v1.1 v1.2; do
  if [[ $set == v1.1 ]]; then entries=("${v11[@]}"); offline="$source_dir/upstream"
  else entries=("${v12[@]}"); offline="$source_dir/upstream-aigw-v1.2"; fi
  if install_set "$target/$set" "$offline" "${entries[@]}"; then
    echo "fetch-upstream-crds: $set verified in $target/$set"
  else
    rm -rf "${target:?}/$set"
    echo "fetch-upstream-crds: $set unavailable (no offline copy in $offline and no download); tests that need it skip"
  fi
done
