"""Helpers for the sandbox tests (importable: the test folder is on sys.path)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import docker

from service_creator.domain.config import Settings
from service_creator.sandbox import docker as sandbox

ProjectFactory = Callable[[dict[str, str]], Path]


def settings_with(settings: Settings, **sandbox_fields: object) -> Settings:
    sandbox_settings = settings.sandbox.model_copy(update=sandbox_fields)
    return settings.model_copy(update={"sandbox": sandbox_settings})


def our_containers(client: docker.DockerClient) -> list[str]:
    """Labelled containers owned by this test process (other sessions may run their own)."""
    return [c.name for c in sandbox.labelled(client, **{sandbox.OWNER_LABEL: sandbox.owner()})]
