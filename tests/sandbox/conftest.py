"""Sandbox test helpers: projects written on the fly, settings with small limits, and a check
that no sandbox container of this test session outlives it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from sandbox_helpers import ProjectFactory, our_containers

from service_creator.sandbox.runs import close_warm


@pytest.fixture
def make_project(tmp_path: Path) -> ProjectFactory:
    """Write a project folder from `{relative path: text}` and return it."""
    counter = iter(range(1000))

    def make(files: dict[str, str]) -> Path:
        root = tmp_path / f"project{next(counter)}"
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return root

    return make


@pytest.fixture(scope="module", autouse=True)
def no_container_left_behind() -> Iterator[None]:
    """After each module: warm containers closed, and none of ours is left, whatever happened."""
    yield
    close_warm()
    try:
        client = docker.from_env()
        client.ping()
    except (docker.errors.DockerException, OSError):
        return
    left = our_containers(client)
    assert not left, f"sandbox containers left behind: {left}"
