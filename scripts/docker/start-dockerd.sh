#!/usr/bin/env bash
# Starts the Docker daemon on a machine without systemd (CI here) and waits until it answers.
# Prints the daemon's PID on stdout (nothing when a daemon was already running); stop it with `kill PID`.
# Exits 1 (with the log's tail on stderr) when dockerd is missing or does not come up within 60 s.
#
#   DOCKERD_PID="$(bash scripts/docker/start-dockerd.sh)" && trap '[ -n "$DOCKERD_PID" ] && kill "$DOCKERD_PID"' EXIT
set -euo pipefail

LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
if docker info >/dev/null 2>&1; then
  exit 0
fi
if ! command -v dockerd >/dev/null; then
  echo "start-dockerd.sh: dockerd not installed (apt-get install docker.io)" >&2
  exit 1
fi
# A daemon still shutting down holds its pid file: wait for it; a stale pid file is removed.
PIDFILE=/var/run/docker.pid
for _ in $(seq 1 30); do
  [[ -f "$PIDFILE" ]] || break
  if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    rm -f "$PIDFILE"
    break
  fi
  sleep 1
done
setsid dockerd >"$LOG" 2>&1 </dev/null &
PID=$!
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "$PID"
    exit 0
  fi
  if ! kill -0 "$PID" 2>/dev/null; then
    break
  fi
  sleep 1
done
echo "start-dockerd.sh: dockerd did not come up; last lines of $LOG:" >&2
tail -20 "$LOG" >&2
kill "$PID" 2>/dev/null || true
exit 1
