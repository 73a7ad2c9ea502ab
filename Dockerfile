# Conveyor prediction server: one image per model version.
#
#   npx conveyor registry pull production build/model        # model.onnx + card.json (+ card.md)
#   scripts/docker/build-image.sh build/model                # docker build with the model's labels
#   docker run -p 8080:8080 conveyor-penguins:v3             # OIP v2 on :8080, /metrics, health checks
#
# Base: the official node:24-bookworm-slim. Node.js 24 is the active LTS (Node.js 20 left support in
# April 2026, and 24 is GitHub Actions' runtime too); bookworm-slim is glibc-based, which onnxruntime-node's
# prebuilt binaries need (no musl build, so no alpine). Without registry access, scripts/docker/base-image.sh
# builds a stand-in under the same name.
# Plain Dockerfile syntax: it builds with the legacy builder as well as BuildKit.
ARG NODE_IMAGE=node:24-bookworm-slim

# Stage 1: production dependencies only. onnxruntime-node's optional CUDA download is skipped (its CPU
# binaries ship in the package), and the binaries for other platforms (~200 MB) are removed.
# Behind a TLS-intercepting proxy, scripts/docker/build-image.sh puts the host's NODE_EXTRA_CA_CERTS in the
# context as .build-ca.pem for npm; it stays in this stage.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .build-ca.pem* ./
RUN if [ -f .build-ca.pem ]; then export NODE_EXTRA_CA_CERTS="$PWD/.build-ca.pem"; fi \
  && npm ci --omit=dev --no-audit --no-fund \
  && npm cache clean --force \
  && find node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -type d \
       ! -path "*/linux/$(node -p process.arch)" -exec rm -rf {} +

# Stage 2: the app (TypeScript run by tsx, no build step), the model, a non-root user.
FROM ${NODE_IMAGE}
ARG MODEL_DIR=build/model
ARG MODEL_NAME=unknown
ARG MODEL_VERSION=unknown
ARG MODEL_SHA256=
LABEL org.opencontainers.image.title="conveyor-${MODEL_NAME}" \
      org.opencontainers.image.description="Conveyor prediction server (Open Inference Protocol v2) for ${MODEL_NAME} ${MODEL_VERSION}" \
      conveyor.model.name="${MODEL_NAME}" \
      conveyor.model.version="${MODEL_VERSION}" \
      conveyor.model.sha256="${MODEL_SHA256}"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json conveyor.yml ./
COPY bin ./bin
COPY src ./src
COPY ${MODEL_DIR}/ /models/
# The label must describe the file baked in; the prediction log (serve.prediction_log.path) goes to /app/logs.
RUN if [ -n "${MODEL_SHA256}" ]; then echo "${MODEL_SHA256}  /models/model.onnx" | sha256sum -c -; fi \
  && mkdir -p /app/logs && chown node:node /app/logs
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/v2/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) drains requests in flight, then the process exits 0.
CMD ["node", "bin/conveyor.js", "serve", "--model-dir", "/models", "--host", "0.0.0.0", "--port", "8080"]
