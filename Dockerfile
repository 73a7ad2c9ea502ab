# Conveyor's serving image: one image per model version, Open Inference Protocol v2 on :8080.
#   npx conveyor registry pull production build/model        # model.onnx + card.json (+ card.md, golden.json)
#   scripts/docker/build-image.sh build/model                # docker build with the model's labels
#   docker run -p 8080:8080 conveyor-penguins:v3             # OIP v2 on :8080, /metrics, health checks
# The training pipeline's image is docker/pipeline.Dockerfile.
#
# Base: the official node:24-bookworm-slim. Node.js 24 is the active LTS (and GitHub Actions' runtime);
# bookworm is glibc-based, which onnxruntime-node's prebuilt binaries need (no musl build, so no alpine).
# Without registry access, scripts/docker/base-image.sh builds a stand-in under the same name.
# Plain Dockerfile syntax: it builds with the legacy builder as well as BuildKit (Buildx in cd.yml).
# Behind a TLS-intercepting proxy, scripts/docker/build-image.sh puts the host's NODE_EXTRA_CA_CERTS in the
# context as .build-ca.pem for npm; it is used by `npm ci` only and never reaches a final image.
ARG NODE_IMAGE=node:24-bookworm-slim

# The serving set: the source files docker/serve.mjs reaches through its imports and a package.json +
# package-lock.json trimmed to the packages those files import (docker/serving-set.mjs), at the locked versions.
FROM ${NODE_IMAGE} AS serving-set
WORKDIR /repo
COPY package.json package-lock.json .build-ca.pem* ./
COPY docker/serving-set.mjs docker/serve.mjs ./docker/
COPY bin/strip-cache.js ./bin/
COPY src ./src
RUN node docker/serving-set.mjs . /set && if [ -f .build-ca.pem ]; then cp .build-ca.pem /set/; fi

# The serving dependencies (this layer is reused while the trimmed lock file is unchanged). onnxruntime-node's
# optional CUDA download is skipped (its CPU binaries ship in the package) and the binaries for other platforms
# (~240 MB) are removed, as are type declarations and source maps. Then the root file system of the final image:
# node, the shared libraries node and onnxruntime load (read with ldd), the `node` user, /tmp.
FROM ${NODE_IMAGE} AS serving-deps
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY --from=serving-set /set/package.json /set/package-lock.json /set/.build-ca.pem* ./
RUN if [ -f .build-ca.pem ]; then export NODE_EXTRA_CA_CERTS="$PWD/.build-ca.pem"; fi \
  && npm ci --omit=dev --no-audit --no-fund \
  && npm cache clean --force \
  && rm -f .build-ca.pem \
  && find node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -type d \
       ! -path "*/linux/$(node -p process.arch)" -exec rm -rf {} + \
  && find node_modules/onnxruntime-node/bin -type d -empty -delete \
  && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete
RUN mkdir -p /rootfs/usr/local/bin /rootfs/etc /rootfs/tmp /rootfs/app/logs \
  && cp /usr/local/bin/node /rootfs/usr/local/bin/node \
  && ldd /usr/local/bin/node node_modules/onnxruntime-node/bin/*/linux/*/* \
       | awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }' | grep -E '^/(usr/)?lib' | sort -u \
       | xargs -I{} cp --parents -L {} /rootfs \
  && if [ -f /etc/ld.so.cache ]; then cp /etc/ld.so.cache /rootfs/etc/; fi \
  && grep -E '^(root|node):' /etc/passwd > /rootfs/etc/passwd \
  && grep -E '^(root|node):' /etc/group > /rootfs/etc/group \
  && chmod 1777 /rootfs/tmp && chown node:node /rootfs/app/logs

# The model, checked against the sha256 its label will carry.
FROM ${NODE_IMAGE} AS model
ARG MODEL_DIR=build/model
ARG MODEL_SHA256=
COPY ${MODEL_DIR}/ /models/
RUN if [ -n "${MODEL_SHA256}" ]; then echo "${MODEL_SHA256}  /models/model.onnx" | sha256sum -c -; fi

# The serving image: no shell, no npm, only node, the libraries it loads, the serving set and
# the model.
FROM scratch
ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production
COPY --from=serving-deps /rootfs/ /
COPY --from=serving-deps /app/node_modules /app/node_modules
COPY --from=serving-set /set/package.json /app/package.json
COPY --from=serving-set /set/docker /app/docker
COPY --from=serving-set /set/src /app/src
COPY --from=serving-set /set/bin /app/bin
# Types stripped at build time into node_modules/.cache (bin/strip-cache.js) and read-only at run time, so a
# container start strips nothing; same Node and paths as at run time, so the cache keys match. Before the model's
# labels and files: a new model reuses this layer.
RUN ["node", "--input-type=module", "-e", "const { fillStripCache } = await import('/app/bin/strip-cache.js'); console.log(`stripped ${fillStripCache('/app/src')} files`);"]
ARG MODEL_NAME=unknown
ARG MODEL_VERSION=unknown
ARG MODEL_SHA256=
LABEL org.opencontainers.image.title="conveyor-${MODEL_NAME}" \
      org.opencontainers.image.description="Conveyor prediction server (Open Inference Protocol v2) for ${MODEL_NAME} ${MODEL_VERSION}" \
      conveyor.model.name="${MODEL_NAME}" \
      conveyor.model.version="${MODEL_VERSION}" \
      conveyor.model.sha256="${MODEL_SHA256}"
COPY conveyor.yml /app/
COPY --from=model /models/ /models/
WORKDIR /app
# The prediction log (serve.prediction_log.path) goes to /app/logs, owned by node.
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/v2/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) drains requests in flight, then the process exits 0.
CMD ["node", "docker/serve.mjs", "--model-dir", "/models", "--host", "0.0.0.0", "--port", "8080"]
