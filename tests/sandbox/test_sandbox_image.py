"""The sandbox image: content-addressed tag, labels, offline build inputs, missing base."""

from __future__ import annotations

import time

import docker
import pytest
from sandbox_helpers import settings_with

from service_creator.domain.config import Settings
from service_creator.domain.errors import SandboxError
from service_creator.sandbox.image import (
    IMAGE_LABEL,
    PACKAGES_LABEL,
    base_image_id,
    ensure_image,
    forget_image,
    image_tag,
    installed_packages,
)
from service_creator.sandbox.venv import PYTHON
from service_creator.sandbox.wheelhouse import BASE_PACKAGES

pytestmark = pytest.mark.docker


def test_tag_is_a_hash_of_the_inputs(sandbox_image: str, sandbox_settings: Settings) -> None:
    assert image_tag(sandbox_settings, "sha256:aaa") == image_tag(sandbox_settings, "sha256:aaa")
    assert image_tag(sandbox_settings, "sha256:aaa") != image_tag(sandbox_settings, "sha256:bbb")
    name, _, digest = sandbox_image.rpartition(":")
    assert name == sandbox_settings.sandbox.image and len(digest) == 12


def test_image_is_not_rebuilt_when_nothing_changed(
    sandbox_image: str, sandbox_settings: Settings, docker_client: docker.DockerClient
) -> None:
    forget_image(sandbox_settings)
    started = time.monotonic()
    assert ensure_image(docker_client, sandbox_settings) == sandbox_image
    assert time.monotonic() - started < 2.0
    base = base_image_id(docker_client, sandbox_settings)
    assert image_tag(sandbox_settings, base) == sandbox_image


def test_image_holds_the_pinned_packages(
    sandbox_image: str, docker_client: docker.DockerClient
) -> None:
    labels = docker_client.images.get(sandbox_image).labels
    assert labels[IMAGE_LABEL] == "1"
    installed = installed_packages(docker_client, sandbox_image)
    for pin in BASE_PACKAGES:
        name, version = pin.split("==")
        assert installed[name] == version, PACKAGES_LABEL
    out = docker_client.containers.run(
        sandbox_image,
        [PYTHON, "-c", "import fastapi, pytest, sqlalchemy, yaml; print(pytest.__version__)"],
        network_mode="none",
        remove=True,
    )
    assert out.decode().strip() == installed["pytest"]


def test_missing_base_image_says_how_to_get_it(
    sandbox_settings: Settings, docker_client: docker.DockerClient
) -> None:
    settings = settings_with(sandbox_settings, base_image="service-creator-test/no-base:never")
    with pytest.raises(SandboxError) as info:
        ensure_image(docker_client, settings)
    assert "no-base:never" in str(info.value)
    assert "make sandbox-base" in (info.value.hint or "")
