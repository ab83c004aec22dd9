"""Shared fixtures. Docker ones skip when no engine is reachable, unless CI demands Docker
(`SERVICE_CREATOR_REQUIRE_DOCKER=1`): then they fail, so a Docker test never silently skips."""

from __future__ import annotations

import os
from collections.abc import Iterator

import docker
import pytest
from docker.errors import DockerException

from service_creator.config import Settings
from service_creator.errors import SandboxError
from service_creator.sandbox.image import build_image
from service_creator.sandbox.runs import close_warm

REQUIRE_DOCKER = os.environ.get("SERVICE_CREATOR_REQUIRE_DOCKER") == "1"


def docker_unavailable(reason: str) -> None:
    if REQUIRE_DOCKER:
        pytest.fail(f"SERVICE_CREATOR_REQUIRE_DOCKER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_client() -> docker.DockerClient:
    try:
        client = docker.from_env()
        client.ping()
    except (DockerException, OSError) as exc:
        docker_unavailable(f"no Docker engine is reachable ({exc})")
    return client


@pytest.fixture(scope="session")
def sandbox_settings() -> Settings:
    """The environment's settings with limits small enough for a quick test suite."""
    settings = Settings.from_env()
    sandbox = settings.sandbox.model_copy(update={"timeout": 60.0, "tmpfs_size": "64m"})
    return settings.model_copy(update={"sandbox": sandbox})


@pytest.fixture(scope="session")
def sandbox_image(docker_client: docker.DockerClient, sandbox_settings: Settings) -> Iterator[str]:
    """The sandbox image's tag, built once (offline from the wheelhouse) when missing."""
    try:
        tag = build_image(sandbox_settings, client=docker_client)
    except SandboxError as exc:
        docker_unavailable(f"the sandbox image cannot be built: {exc}")
    yield tag
    close_warm()
