#!/usr/bin/env bash
# Builds the kube-apiserver + embedded etcd test server (main.go) and caches the binary
# outside the git tree, keyed by the sources that determine it:
#
#   ${EFFECT_KUBE_CACHE:-$HOME/.cache/effect-kube}/kube-apiserver-<first 16 hex of sha256(go.mod go.sum main.go build.sh)>
#
# Skips the build when that file exists. Prints the binary's path as the LAST line of
# stdout (progress goes to stderr). Safe to run concurrently: each build writes a
# temporary file and renames it into place atomically.
#
# Needs only Go (the toolchain named in go.mod or newer) and the Go module proxy (or a
# warm module cache). A cold build compiles k8s.io/kubernetes: expect many minutes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

cache="${EFFECT_KUBE_CACHE:-$HOME/.cache/effect-kube}"
# build.sh is hashed too: it sets the version stamped into the binary.
hash="$(cat go.mod go.sum main.go build.sh | sha256sum | cut -c1-16)"
out="$cache/kube-apiserver-$hash"

if [[ -x "$out" ]]; then
  echo "$out"
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: go is not on PATH" >&2; exit 1; }
mkdir -p "$cache"
tmp="$(mktemp "$cache/.kube-apiserver-$hash.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
echo "build.sh: building $out (a cold build compiles k8s.io/kubernetes and takes a while)..." >&2
start=$SECONDS
# Stamp the kubernetes version (as the release build does), so /version reports
# e.g. v1.37.2 and clients such as kubectl can parse it.
kver="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1\./ { print $2; exit }' go.mod)"
[[ "$kver" =~ ^v([0-9]+)\.([0-9]+)\. ]] || { echo "build.sh: no k8s.io/kubernetes version in go.mod" >&2; exit 1; }
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$kver -X $pkg.gitMajor=${BASH_REMATCH[1]} -X $pkg.gitMinor=${BASH_REMATCH[2]}"
  ldflags+=" -X $pkg.gitTreeState=clean"
done
go build -trimpath -ldflags="$ldflags" -o "$tmp" . >&2
chmod 0755 "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
echo "build.sh: built in $((SECONDS - start))s" >&2
echo "$out"
