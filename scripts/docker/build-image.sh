#!/usr/bin/env bash
# Builds the serving image of one model version from the repository's Dockerfile.
#
# Usage: scripts/docker/build-image.sh MODEL_DIR [TAG]
#   MODEL_DIR  a folder inside the repository with model.onnx and card.json, e.g. from
#              `npx conveyor registry pull production build/model`
#   TAG        default conveyor-<name>:v<version>, from card.json
# The image is labelled with the model's name, version and the sha256 of model.onnx (checked in the build).
# Prints the tag on the last line.
set -euo pipefail

MODEL_DIR="${1:?usage: scripts/docker/build-image.sh MODEL_DIR [TAG]}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
for file in model.onnx card.json; do
  if [[ ! -f "$MODEL_DIR/$file" ]]; then
    echo "build-image.sh: $MODEL_DIR/$file not found (pull a version first: npx conveyor registry pull <ref> $MODEL_DIR)" >&2
    exit 2
  fi
done
REL="$(realpath --relative-to="$ROOT" "$MODEL_DIR")"
if [[ "$REL" == ..* ]]; then
  echo "build-image.sh: $MODEL_DIR must be inside the repository (the Docker build context)" >&2
  exit 2
fi

NAME="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).name' "$MODEL_DIR/card.json")"
VERSION="v$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version' "$MODEL_DIR/card.json")"
SHA256="$(sha256sum "$MODEL_DIR/model.onnx" | cut -d' ' -f1)"
TAG="${2:-conveyor-$NAME:$VERSION}"

# shellcheck source=scripts/docker/build-ca.sh
source "$ROOT/scripts/docker/build-ca.sh"

docker build \
  --build-arg MODEL_DIR="$REL" \
  --build-arg MODEL_NAME="$NAME" \
  --build-arg MODEL_VERSION="$VERSION" \
  --build-arg MODEL_SHA256="$SHA256" \
  --tag "$TAG" \
  "$ROOT" >&2
echo "$TAG"
