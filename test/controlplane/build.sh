#!/usr/bin/env bash
# Builds kube-apiserver, kubectl and etcd for the local test control plane from the pinned Go modules
# in kube/ and etcd/, into a cache outside the working tree keyed by their go.sum files, so a second
# build and a fresh clone on the same machine (CI's) reuse them. Prints the binary folder last.
#
#   bash test/controlplane/build.sh            build if needed, print the folder
#   bash test/controlplane/build.sh --print    print the folder it would use, build nothing
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${DAO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/digicert-access-operator}"
key="$(cat "$here/kube/go.mod" "$here/kube/go.sum" "$here/etcd/go.mod" "$here/etcd/go.sum" "$here/build.sh" | sha256sum | cut -c1-16)"
bin="$cache_root/controlplane/$key"

if [[ "${1:-}" == "--print" ]]; then echo "$bin"; exit 0; fi
if [[ -x "$bin/kube-apiserver" && -x "$bin/etcd" && -x "$bin/kubectl" ]]; then
  echo "control plane binaries cached in $bin" >&2
  echo "$bin"
  exit 0
fi

fail() {
  echo "error: $1" >&2
  echo "fix:   $2" >&2
  exit 1
}
command -v go >/dev/null || fail "the Go toolchain (1.24 or newer) is not on PATH; it builds the test control plane" \
  "install Go 1.24+ (Debian: a Go from go.dev or the golang-1.2x backports), or point TEST_ASSET_KUBE_APISERVER, TEST_ASSET_ETCD and TEST_ASSET_KUBECTL at prebuilt binaries, or set USE_EXISTING_CLUSTER=true with KUBECONFIG"
gov="$(go env GOVERSION | sed 's/^go//')"
if [[ "$(printf '%s\n1.24\n' "$gov" | sort -V | head -1)" != "1.24" ]]; then
  fail "Go $gov is too old; Kubernetes 1.34 needs Go 1.24 or newer" "install a newer Go, or use prebuilt binaries (TEST_ASSET_*)"
fi

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
tmp="$bin.partial.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
echo "building the test control plane into $bin (first time only: several minutes on 2 cores)" >&2
( cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3 ) \
  || fail "building etcd failed (output above)" "check that the Go module proxy is reachable (go env GOPROXY) and rerun: npm run controlplane"
( cd "$here/kube" && go build -trimpath -ldflags "-s -w" -o "$tmp/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl ) \
  || fail "building kube-apiserver/kubectl failed (output above)" "check that the Go module proxy is reachable (go env GOPROXY) and rerun: npm run controlplane"
rm -rf "$bin"
mv "$tmp" "$bin"
echo "built in $((SECONDS - start))s" >&2
echo "$bin"
