#!/usr/bin/env bash
# Builds the client-go benchmark peer and caches the binary outside git, keyed by its sources:
#   ${EFFECT_KUBE_CACHE:-$HOME/.cache/effect-kube}/client-go-peer-<first 16 hex of sha256(go.mod go.sum main.go build.sh)>
# Prints the binary path as the last line of stdout. Exits 3 when go is not on PATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
cache="${EFFECT_KUBE_CACHE:-$HOME/.cache/effect-kube}"
hash="$(cat go.mod go.sum main.go build.sh | sha256sum | cut -c1-16)"
out="$cache/client-go-peer-$hash"
if [[ -x "$out" ]]; then
  echo "$out"
  exit 0
fi
command -v go >/dev/null || { echo "build.sh: go is not on PATH" >&2; exit 3; }
mkdir -p "$cache"
tmp="$(mktemp "$cache/.client-go-peer-$hash.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
go build -trimpath -ldflags="-s -w" -o "$tmp" . >&2
chmod 0755 "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
echo "$out"
