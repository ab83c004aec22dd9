#!/usr/bin/env bash
# Make the sandbox's Docker side ready: an engine that answers, and the sandbox base image.
#   - `docker info` fails and there is no dockerd: install docker.io with apt (needs root);
#   - dockerd is installed but not running: start it in the background and wait for it
#     (a bounded poll, not a fixed sleep);
#   - the configured base image is absent: build it from Debian packages
#     (scripts/build-sandbox-base.sh, debootstrap; Docker Hub is never needed).
# Exits non-zero when the engine cannot be made ready.
set -euo pipefail
cd "$(dirname "$0")/.."
WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-60}"
LOG="${DOCKERD_LOG:-/var/log/service-creator-dockerd.log}"

say() { echo "ensure-docker: $*" >&2; }

engine_ready() { docker info >/dev/null 2>&1; }

install_docker() {
    if [ "$(id -u)" != 0 ]; then
        say "Docker is not installed and installing it needs root (apt-get install docker.io)"
        return 1
    fi
    say "installing docker.io"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
}

start_dockerd() {
    if [ "$(id -u)" != 0 ]; then
        say "dockerd is not running and starting it needs root"
        return 1
    fi
    say "starting dockerd (log: $LOG)"
    setsid nohup dockerd >"$LOG" 2>&1 </dev/null &
}

wait_for_engine() {
    local deadline=$((SECONDS + WAIT_SECONDS))
    until engine_ready; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            say "the Docker engine did not answer within ${WAIT_SECONDS}s; last log lines:"
            tail -n 20 "$LOG" >&2 2>/dev/null || true
            return 1
        fi
        sleep 0.2
    done
    say "the Docker engine is up"
}

if ! engine_ready; then
    command -v dockerd >/dev/null 2>&1 || install_docker
    pgrep -x dockerd >/dev/null || start_dockerd
    wait_for_engine
fi
bash scripts/build-sandbox-base.sh
