#!/usr/bin/env bash
# Builds the pipeline image (docker/pipeline.Dockerfile): `conveyor pipeline` or any one stage in a container.
#
# Usage: scripts/docker/build-pipeline-image.sh [TAG]     (default conveyor-pipeline:latest)
# The image is labelled with the commit it was built from (org.opencontainers.image.revision) when git knows it.
# Prints the tag on the last line.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TAG="${1:-conveyor-pipeline:latest}"
REVISION="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || true)"
# shellcheck source=scripts/docker/build-ca.sh
source "$ROOT/scripts/docker/build-ca.sh"

docker build \
  --file "$ROOT/docker/pipeline.Dockerfile" \
  --build-arg SOURCE_REVISION="$REVISION" \
  --tag "$TAG" \
  "$ROOT" >&2
echo "$TAG"
