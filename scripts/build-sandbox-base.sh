#!/usr/bin/env bash
# Build the sandbox's base image from Debian packages (no registry pull) and tag it as the
# configured base, so the same image code works with a real python:3.11-slim elsewhere.
#   scripts/build-sandbox-base.sh [TAG]      (default: $SERVICE_CREATOR_SANDBOX_BASE_IMAGE or python:3.11-slim)
# Needs root, debootstrap and a running Docker engine. Does nothing when TAG already exists.
set -euo pipefail
TAG="${1:-${SERVICE_CREATOR_SANDBOX_BASE_IMAGE:-python:3.11-slim}}"
SUITE="${SANDBOX_BASE_SUITE:-bookworm}"
MIRROR="${SANDBOX_BASE_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$TAG" >/dev/null 2>&1; then
    echo "sandbox base: $TAG already present" >&2
    exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    echo "sandbox base: installing debootstrap" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

ROOT="$(mktemp -d /var/tmp/sandbox-base.XXXXXX)"
trap 'rm -rf "$ROOT"' EXIT
echo "sandbox base: debootstrap $SUITE into $ROOT (a few minutes)" >&2
debootstrap --variant=minbase --include=python3,python3-venv "$SUITE" "$ROOT" "$MIRROR" >&2
# No package caches, no apt lists, no docs in the image.
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* \
       "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/locale/*
echo "sandbox base: importing as $TAG" >&2
tar -C "$ROOT" --numeric-owner -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'LABEL service-creator.base=debootstrap' \
    --change 'CMD ["python3"]' \
    - "$TAG" >&2
docker run --rm --network none "$TAG" python3 -c 'import sys, venv; print("sandbox base: python", sys.version.split()[0])' >&2
