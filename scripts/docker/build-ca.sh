# Sourced by the image build scripts: behind a TLS-intercepting proxy, the CA the host's npm and node use
# (NODE_EXTRA_CA_CERTS) goes into the build context as .build-ca.pem for `npm ci` inside the build, and is
# removed when the script exits. The Dockerfiles never copy it into a final image.
# Needs ROOT (the repository) set.
CA="$ROOT/.build-ca.pem"
if [[ -n "${NODE_EXTRA_CA_CERTS:-}" && -f "$NODE_EXTRA_CA_CERTS" ]]; then
  cp "$NODE_EXTRA_CA_CERTS" "$CA"
  trap 'rm -f "$CA"' EXIT
fi
