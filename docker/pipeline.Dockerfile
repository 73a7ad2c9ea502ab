# Conveyor's pipeline image: the training pipeline itself (`conveyor pipeline` or any one stage), for a
# self-hosted runner, a Kubernetes CronJob, an Argo Workflows or Kubeflow step, or CT's jobs (`container:`).
# The repository to work on (conveyor.yml, data/) is mounted as the working directory; runs/ and models/ are
# written there, so run it as the owner of that folder:
#
#   docker build -f docker/pipeline.Dockerfile -t conveyor-pipeline .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/workspace" conveyor-pipeline pipeline
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/workspace" conveyor-pipeline train --run runs/<id>
#
# Lineage: the image has no git; set GITHUB_SHA (and GITHUB_REF_NAME) to record the commit, as Actions does.
# A second Dockerfile rather than a target of the serving one, so that the legacy builder (which builds every
# stage before the target) does not install the pipeline's dependencies when it builds a serving image.
# Base, proxy CA and onnxruntime notes: see the Dockerfile at the repository root.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE}
ENV NODE_ENV=production ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
COPY package.json package-lock.json .build-ca.pem* ./
# bin/ is an npm workspace (the conveyor command): its manifest must be there for npm ci.
COPY bin/package.json ./bin/
RUN if [ -f .build-ca.pem ]; then export NODE_EXTRA_CA_CERTS="$PWD/.build-ca.pem"; fi \
  && npm ci --omit=dev --no-audit --no-fund \
  && npm cache clean --force \
  && rm -f .build-ca.pem \
  && find node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -type d \
       ! -path "*/linux/$(node -p process.arch)" -exec rm -rf {} + \
  && find node_modules/onnxruntime-node/bin -type d -empty -delete \
  && ln -s /app/bin/conveyor.js /usr/local/bin/conveyor
COPY bin ./bin
COPY src ./src
# The actions' launchers: a CT job running in this image (`container:`) hands over to them (CONVEYOR_HOME).
COPY actions ./actions
ENV CONVEYOR_HOME=/app
# The sources' types stripped once here (bin/strip-cache.js), so `conveyor` in a container strips nothing at start.
RUN node --input-type=module -e "const { fillStripCache } = await import('/app/bin/strip-cache.js'); fillStripCache('/app/src');"
# Last, so a new commit does not invalidate the dependency layer.
ARG SOURCE_REVISION=
LABEL org.opencontainers.image.title="conveyor-pipeline" \
      org.opencontainers.image.description="Conveyor training pipeline: conveyor pipeline or any one stage" \
      org.opencontainers.image.revision="${SOURCE_REVISION}"
WORKDIR /workspace
USER node
ENTRYPOINT ["node", "/app/bin/conveyor.js"]
CMD ["--help"]
