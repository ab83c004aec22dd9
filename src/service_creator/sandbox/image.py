"""The sandbox image: the configured base + a venv with pytest and what generated services use.

Built offline (`network_mode="none"`) from the host's wheelhouse. Its tag carries a hash of its
inputs (base image id, package pins, Dockerfile text) so it is rebuilt only when they change.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import re
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Protocol

import docker
from docker.errors import APIError, DockerException, ImageNotFound

from service_creator.domain.config import Settings
from service_creator.domain.errors import SandboxError
from service_creator.domain.ports import NoProgress, Progress
from service_creator.sandbox.docker import docker_client
from service_creator.sandbox.venv import SANDBOX_PATH, VENV
from service_creator.sandbox.wheelhouse import BASE_PACKAGES, collect, wheel_distribution

log = logging.getLogger(__name__)

IMAGE_LABEL = "service-creator.sandbox-image"
PACKAGES_LABEL = "service-creator.packages"
BUILD_LABEL = "service-creator.sandbox-build"
BASE_HINT = (
    "run `make sandbox-base` (builds it from Debian packages with debootstrap) "
    "or `docker pull {base}` where Docker Hub is reachable"
)
DOCKERFILE = """\
FROM {base} AS build
LABEL {build_label}="1"
COPY wheels /wheels
RUN python3 -m venv {venv} \\
 && {venv}/bin/python -m pip install --no-index --no-cache-dir --disable-pip-version-check \\
      --find-links /wheels {packages} \\
 && {venv}/bin/python -c \\
      "import pytest,fastapi,httpx,pydantic,sqlalchemy,yaml,asyncssh,ncclient"

FROM {base}
COPY --from=build {venv} {venv}
ENV PATH={path} LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1
LABEL {image_label}="1" service-creator.inputs="{digest}" {packages_label}="{installed}"
CMD ["{venv}/bin/python"]
"""
STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)")
RECHECK_SECONDS = 30.0
_known: dict[tuple[str, str], tuple[str, float]] = {}
_packages: dict[str, str] = {}  # tag → its packages label; a tag's content never changes
_build_lock = threading.Lock()


class ImagePruner(Protocol):
    """`ImageCollection.prune`, typed (docker-py's stub leaves its return untyped)."""

    def prune(self, filters: dict[str, bool | str]) -> object: ...


def image_tag(settings: Settings, base_id: str) -> str:
    """`<image>:<12 hex>` where the hex is a hash of everything that goes into the image."""
    inputs = {
        "base": base_id,
        "packages": list(BASE_PACKAGES),
        "dockerfile": DOCKERFILE,
        "venv": VENV,
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return f"{settings.sandbox.image}:{digest[:12]}"


def base_image_id(client: docker.DockerClient, settings: Settings) -> str:
    base = settings.sandbox.base_image
    try:
        image_id = client.images.get(base).id
    except ImageNotFound:
        raise SandboxError(
            f"the sandbox base image {base} is not present", hint=BASE_HINT.format(base=base)
        ) from None
    except (APIError, DockerException) as exc:
        raise SandboxError(f"cannot inspect the base image {base}: {exc}") from exc
    if image_id is None:  # the engine always gives an image its id
        raise SandboxError(f"the base image {base} has no id")
    return image_id


def image_exists(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
    except ImageNotFound:
        return False
    return True


def ensure_image(
    client: docker.DockerClient, settings: Settings, progress: Progress | None = None
) -> str:
    """The tag of an up-to-date sandbox image, building it when its inputs changed.

    A check that found the image is trusted for `RECHECK_SECONDS`, so quick re-runs skip it.
    """
    key = (settings.sandbox.base_image, settings.sandbox.image)
    known = _known.get(key)
    if known is not None and time.monotonic() - known[1] < RECHECK_SECONDS:
        return known[0]
    base_id = base_image_id(client, settings)
    tag = image_tag(settings, base_id)
    with _build_lock:
        if not image_exists(client, tag):
            build(client, settings, tag, progress or NoProgress())
    _known[key] = (tag, time.monotonic())
    return tag


def forget_image(settings: Settings) -> None:
    """Drop the remembered check, e.g. after the image turned out to be gone."""
    _known.pop((settings.sandbox.base_image, settings.sandbox.image), None)


def build_image(
    settings: Settings, progress: Progress | None = None, client: docker.DockerClient | None = None
) -> str:
    """`service-creator sandbox build`: build (or find) the sandbox image; returns its tag."""
    return ensure_image(client or docker_client(settings), settings, progress)


def installed_packages(client: docker.DockerClient, tag: str) -> dict[str, str]:
    """Distributions in the image's venv (name → version), from its label."""
    if tag not in _packages:
        labels = client.images.get(tag).labels or {}
        _packages[tag] = labels.get(PACKAGES_LABEL, "")
    return parse_packages(_packages[tag])


def parse_packages(label: str) -> dict[str, str]:
    pairs = (item.split("==", 1) for item in label.split(",") if item)
    return {name: version for name, version in pairs}


def build(client: docker.DockerClient, settings: Settings, tag: str, progress: Progress) -> None:
    progress.report(0, None, "collecting wheels for the sandbox image")
    with tempfile.TemporaryDirectory(prefix="sandbox-wheels-") as scratch:
        wheels = Path(scratch)
        problem = collect(list(BASE_PACKAGES), settings.sandbox.wheelhouse, wheels)
        if problem is not None:
            raise SandboxError(
                f"cannot collect the sandbox image's wheels: {problem}",
                hint=f"the host needs PyPI once to fill {settings.sandbox.wheelhouse}",
            )
        context = build_context(settings, tag, wheels)
    log.info("building sandbox image %s", tag)
    run_build(client, context, tag, progress)
    with contextlib.suppress(APIError):
        prune_build_stage(client.images)


def prune_build_stage(images: ImagePruner) -> None:
    """Remove the image of the build stage, no longer needed."""
    images.prune(filters={"dangling": True, "label": f"{BUILD_LABEL}=1"})


def dockerfile(settings: Settings, tag: str, wheels: Path) -> str:
    dists = sorted(d for d in map(wheel_distribution, wheels.glob("*.whl")) if d is not None)
    return DOCKERFILE.format(
        base=settings.sandbox.base_image,
        venv=VENV,
        path=SANDBOX_PATH,
        packages=" ".join(BASE_PACKAGES),
        image_label=IMAGE_LABEL,
        packages_label=PACKAGES_LABEL,
        build_label=BUILD_LABEL,
        digest=tag.rsplit(":", 1)[1],
        installed=",".join(f"{name}=={version}" for name, version in dists),
    )


def build_context(settings: Settings, tag: str, wheels: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        text = dockerfile(settings, tag, wheels).encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(text)
        tar.addfile(info, io.BytesIO(text))
        for wheel in sorted(wheels.glob("*.whl")):
            tar.add(wheel, arcname=f"wheels/{wheel.name}")
    return buffer.getvalue()


def run_build(client: docker.DockerClient, context: bytes, tag: str, progress: Progress) -> None:
    """Run the build with no network, reporting each Dockerfile step."""
    tail: list[str] = []
    try:
        stream = client.api.build(
            fileobj=io.BytesIO(context),
            custom_context=True,
            tag=tag,
            network_mode="none",
            rm=True,
            forcerm=True,
            pull=False,
            decode=True,
        )
        for chunk in stream:
            if "error" in chunk:
                raise build_failed(chunk["error"], tail)
            line = str(chunk.get("stream", "")).strip()
            if line:
                tail = [*tail[-20:], line]
                log.debug("build: %s", line)
                step = STEP.match(line)
                if step:
                    progress.report(int(step[1]), int(step[2]), step[3][:80])
    except APIError as exc:
        raise build_failed(exc, tail) from exc
    if not image_exists(client, tag):
        raise SandboxError(f"the build finished but {tag} is missing", hint="\n".join(tail[-10:]))


def build_failed(reason: object, tail: list[str]) -> SandboxError:
    return SandboxError(f"building the sandbox image failed: {reason}", hint="\n".join(tail[-10:]))
