#!/usr/bin/env bash
# Brings the toolchain this repo needs onto a fresh machine and installs the workspace.
# The machine's own Node may be too old (Node 20 is end of life and client-node 2.x needs
# >= 22.19), and pnpm is not installed, so both come from the npm registry into .tooling/.
# Idempotent: a second run only checks versions.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="24.21.0"
PNPM_VERSION="10.34.9"
tooling="$root/.tooling"

have_node() {
  [ -x "$tooling/node_modules/.bin/node" ] &&
    [ "$("$tooling/node_modules/.bin/node" --version)" = "v$NODE_VERSION" ] &&
    [ -x "$tooling/node_modules/.bin/pnpm" ] &&
    [ "$("$tooling/node_modules/.bin/pnpm" --version)" = "$PNPM_VERSION" ]
}

if ! have_node; then
  echo "bootstrap: installing node@$NODE_VERSION and pnpm@$PNPM_VERSION into .tooling/" >&2
  mkdir -p "$tooling"
  [ -f "$tooling/package.json" ] || echo '{"name":"effect-kube-tooling","private":true}' >"$tooling/package.json"
  npm install --prefix "$tooling" --no-save --no-audit --no-fund --loglevel=error \
    "node@$NODE_VERSION" "pnpm@$PNPM_VERSION" >&2
fi
export PATH="$tooling/node_modules/.bin:$PATH"

cd "$root"
stamp="node_modules/.effect-kube-install-stamp"
lockhash="$(cat package.json pnpm-workspace.yaml $(ls pnpm-lock.yaml packages/*/package.json examples/*/package.json 2>/dev/null) | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lockhash" ]; then
  echo "bootstrap: pnpm install" >&2
  if [ -n "${CI:-}" ] && [ -f pnpm-lock.yaml ]; then pnpm install --frozen-lockfile >&2; else pnpm install >&2; fi
  echo "$lockhash" >"$stamp"
fi
