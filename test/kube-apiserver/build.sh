#!/usr/bin/env bash
# Builds the kube-apiserver + embedded etcd test server (main.go) and caches the binary
# outside the git tree, keyed by the sources that determine it:
#
#   ${EFFECT_KUBE_CACHE:-$HOME/.cache/effect-kube}/kube-apiserver-<first 16 hex of sha256(go.mod go.sum main.go)>
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
hash="$(cat go.mod go.sum main.go | sha256sum | cut -c1-16)"
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
go build -trimpath -ldflags="-s -w" -o "$tmp" . >&2
chmod 0755 "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
echo "build.sh: built in $((SECONDS - start))s" >&2
echo "$out"
