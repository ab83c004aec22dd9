"""`service-creator sandbox info`: what the sandbox would run on, and what is missing.

The engine (address, version), its runtimes, the configured and the resolved runtime, the base
image and the sandbox image's tag, each present or not. Nothing is built or changed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import docker
from docker.errors import APIError, DockerException

from service_creator.domain.config import Settings
from service_creator.domain.errors import SandboxError
from service_creator.sandbox.image import base_image_id, image_exists, image_tag
from service_creator.sandbox.runtime import engine_runtimes, resolve_runtime


@dataclass
class SandboxInfo:
    engine: str
    version: str
    runtimes: list[str]
    default_runtime: str
    configured_runtime: str
    runtime: str | None
    base_image: str
    image: str | None
    image_present: bool
    problems: list[str] = field(default_factory=list[str])


def engine_version(client: docker.DockerClient) -> tuple[str, str]:
    """(the engine's version, its default runtime)."""
    try:
        version = client.version().get("Version", "?")
        default = client.info().get("DefaultRuntime", "?")
    except (APIError, DockerException, OSError) as exc:
        raise SandboxError(f"the Docker engine does not answer: {exc}") from exc
    return version, default


def sandbox_info(client: docker.DockerClient, settings: Settings) -> SandboxInfo:
    version, default = engine_version(client)
    problems: list[str] = []
    try:
        runtime: str | None = resolve_runtime(client, settings)
    except SandboxError as exc:
        runtime = None
        problems.append(str(exc))
    try:
        tag: str | None = image_tag(settings, base_image_id(client, settings))
    except SandboxError as exc:
        tag = None
        problems.append(str(exc))
    present = tag is not None and image_exists(client, tag)
    if tag is not None and not present:
        problems.append(
            f"the sandbox image {tag} is not built: run `service-creator sandbox build`"
        )
    return SandboxInfo(
        engine=os.environ.get("DOCKER_HOST") or "the default socket (DOCKER_HOST unset)",
        version=version,
        runtimes=sorted(engine_runtimes(client)),
        default_runtime=default,
        configured_runtime=settings.sandbox.runtime,
        runtime=runtime,
        base_image=settings.sandbox.base_image,
        image=tag,
        image_present=present,
        problems=problems,
    )
