#!/usr/bin/env bash
# A private Docker engine with gVisor's runsc registered, beside (never instead of) the main one.
#
#   scripts/gvisor-dockerd.sh start DIR   # prints DOCKER_HOST=unix://DIR/docker.sock when up
#   scripts/gvisor-dockerd.sh stop DIR
#
# start: installs runsc with apt when missing (as root), writes DIR/daemon.json registering
# runsc (`--platform=ptrace`: no KVM needed; `--network=none`: the sandbox's containers have no
# network, and runsc refuses to run a sandbox network in the host's network namespace), starts
# dockerd on DIR/docker.sock with its own data root, exec root (where it runs its own managed
# containerd), pid file and config, no bridge and no iptables rules, waits for it (a bounded
# poll, DOCKER_WAIT_SECONDS, default 60), then copies the sandbox base image and the sandbox
# image from the main engine (`docker save | docker load`) when they are missing there. The main
# daemon and /etc/docker/daemon.json are never touched. Starting an engine that already answers
# on DIR/docker.sock only copies the images. stop: SIGTERM to the pid in DIR/dockerd.pid, waits
# for it to exit (SIGKILL after DOCKER_WAIT_SECONDS), and removes DIR/data and DIR/exec.
#
# SANDBOX_PYTHON: the Python with service_creator installed (default: the repository's .venv).
# Needs root (dockerd does). DIR's socket path must stay short (a unix socket path is at most
# 107 bytes: DIR/exec/containerd/containerd.sock must fit).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-60}"
RUNSC_ARGS='["--platform=ptrace", "--network=none"]'

say() { echo "gvisor-dockerd: $*" >&2; }
die() { say "$*"; exit 1; }

usage() { die "usage: $0 start|stop DIR"; }

private() { docker -H "unix://$DIR/docker.sock" "$@"; }

ensure_runsc() {
    command -v runsc >/dev/null 2>&1 && return 0
    [ "$(id -u)" = 0 ] || die "runsc (gVisor) is missing and installing it needs root: apt-get install runsc"
    say "installing runsc (gVisor) with apt"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runsc >/dev/null
    command -v runsc >/dev/null 2>&1 || die "apt-get install runsc did not provide runsc"
}

write_config() {
    local runsc
    runsc="$(command -v runsc)"
    cat >"$DIR/daemon.json" <<EOF
{
  "runtimes": {"runsc": {"path": "$runsc", "runtimeArgs": $RUNSC_ARGS}}
}
EOF
}

running() { [ -S "$DIR/docker.sock" ] && private info >/dev/null 2>&1; }

pid_alive() { [ -s "$DIR/dockerd.pid" ] && kill -0 "$(cat "$DIR/dockerd.pid")" 2>/dev/null; }

start_dockerd() {
    [ "$(id -u)" = 0 ] || die "starting a dockerd needs root"
    command -v dockerd >/dev/null 2>&1 || die "dockerd is missing (scripts/ensure-docker.sh installs docker.io)"
    mkdir -p "$DIR/data" "$DIR/exec"
    write_config
    say "starting dockerd on unix://$DIR/docker.sock (log: $DIR/dockerd.log)"
    setsid dockerd \
        --host "unix://$DIR/docker.sock" \
        --data-root "$DIR/data" \
        --exec-root "$DIR/exec" \
        --pidfile "$DIR/dockerd.pid" \
        --config-file "$DIR/daemon.json" \
        --bridge none \
        --iptables=false \
        --ip-masq=false \
        >"$DIR/dockerd.log" 2>&1 </dev/null &
    local deadline=$((SECONDS + WAIT_SECONDS))
    until running; do
        if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 $! 2>/dev/null; then
            say "the private dockerd did not answer within ${WAIT_SECONDS}s; last log lines:"
            tail -n 20 "$DIR/dockerd.log" >&2 || true
            return 1
        fi
        sleep 0.2
    done
    private info --format '{{json .Runtimes}}' | grep -q '"runsc"' \
        || die "the private dockerd is up but has no runsc runtime (see $DIR/daemon.json)"
    say "the private dockerd is up, runtimes: $(private info --format '{{range $k, $v := .Runtimes}}{{$k}} {{end}}')"
}

# The sandbox image's tag is a hash of the base image's id, which `docker save | load` keeps,
# so the copied image is the one the tests look for. Images missing on the main engine are
# made there first (make sandbox-image); the private engine itself never needs a registry.
copy_images() {
    local base tag wanted=()
    base="${SERVICE_CREATOR_SANDBOX_BASE_IMAGE:-python:3.11-slim}"
    tag="$(sandbox_tag)" || die "the sandbox image is not on the main engine: run make sandbox-image"
    for image in "$base" "$tag"; do
        private image inspect "$image" >/dev/null 2>&1 || wanted+=("$image")
    done
    [ "${#wanted[@]}" -eq 0 ] && return 0
    say "copying ${wanted[*]} from the main engine"
    docker save "${wanted[@]}" | private load >/dev/null
}

# The tag the sandbox code builds for the main engine's base image (built there when missing).
sandbox_tag() {
    local python="${SANDBOX_PYTHON:-$REPO/.venv/bin/python}"
    [ -x "$python" ] || python=python3
    "$python" -m service_creator.sandbox build 2>/dev/null
}

stop_dockerd() {
    if ! pid_alive; then
        say "no private dockerd runs for $DIR"
    else
        local pid deadline=$((SECONDS + WAIT_SECONDS))
        pid="$(cat "$DIR/dockerd.pid")"
        say "stopping the private dockerd (pid $pid)"
        kill -TERM "$pid"
        while kill -0 "$pid" 2>/dev/null; do
            if [ "$SECONDS" -ge "$deadline" ]; then
                say "dockerd $pid did not exit within ${WAIT_SECONDS}s: SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
            fi
            sleep 0.1
        done
    fi
    # with dockerd gone nothing should be mounted below DIR; never delete through a mount
    if grep -q " $DIR/" /proc/mounts; then
        say "mounts are left below $DIR; not removing its data:"
        grep " $DIR/" /proc/mounts >&2
        return 1
    fi
    rm -rf "$DIR/data" "$DIR/exec"
}

[ $# -eq 2 ] || usage
DIR="$(mkdir -p "$2" && cd "$2" && pwd)"
case "$1" in
    start)
        ensure_runsc
        running || start_dockerd
        copy_images
        echo "DOCKER_HOST=unix://$DIR/docker.sock"
        ;;
    stop) stop_dockerd ;;
    *) usage ;;
esac
