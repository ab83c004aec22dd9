"""Shared fixtures. Docker ones skip when no engine is reachable, unless CI demands Docker
(`SERVICE_CREATOR_REQUIRE_DOCKER=1`): then they fail, so a Docker test never silently skips.

`SERVICE_CREATOR_TEST_RUNTIME=runsc` runs the session's sandbox under gVisor: a private dockerd
with runsc registered (scripts/gvisor-dockerd.sh) is started first and stopped at the end, and
`DOCKER_HOST` and `SERVICE_CREATOR_SANDBOX_RUNTIME=runsc` point everything at it (set before any
Docker client exists; subprocesses inherit them). The main engine is never reconfigured."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest
from docker.errors import DockerException

from service_creator.domain.config import Settings
from service_creator.domain.errors import SandboxError
from service_creator.sandbox.image import build_image
from service_creator.sandbox.runs import close_warm

REQUIRE_DOCKER = os.environ.get("SERVICE_CREATOR_REQUIRE_DOCKER") == "1"
TEST_RUNTIME = os.environ.get("SERVICE_CREATOR_TEST_RUNTIME") or "runc"
RUNTIME_VARIABLE = "SERVICE_CREATOR_SANDBOX_RUNTIME"
# the engine the session found, before a runsc session points DOCKER_HOST at its own
MAIN_DOCKER_HOST = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
GVISOR_DOCKERD = Path(__file__).resolve().parents[1] / "scripts" / "gvisor-dockerd.sh"
GVISOR_START_SECONDS = 600  # installing runsc with apt, copying two images


def docker_unavailable(reason: str) -> None:
    if REQUIRE_DOCKER:
        pytest.fail(f"SERVICE_CREATOR_REQUIRE_DOCKER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def main_docker_host() -> str:
    """The engine `DOCKER_HOST` named when the session began (runsc sessions move it)."""
    return MAIN_DOCKER_HOST


@dataclass(frozen=True)
class PrivateEngine:
    """A dockerd of our own with runsc registered."""

    directory: Path

    @property
    def host(self) -> str:
        return f"unix://{self.directory}/docker.sock"


def gvisor_script(action: str, directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(GVISOR_DOCKERD), action, str(directory)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "SANDBOX_PYTHON": sys.executable},
        timeout=GVISOR_START_SECONDS,
        check=False,
    )


@pytest.fixture(scope="session")
def gvisor_engine() -> Iterator[PrivateEngine]:
    """A private dockerd with runsc (gVisor) and the sandbox images, stopped at the end.

    Under /tmp, not pytest's deeper temporary folders: its sockets' paths must stay short."""
    engine = PrivateEngine(Path(tempfile.mkdtemp(prefix="sc-gvisor-", dir="/tmp")))
    started = gvisor_script("start", engine.directory)
    try:
        if started.returncode != 0:
            docker_unavailable(
                f"the private gVisor dockerd did not start: {started.stderr[-2000:]}"
            )
        yield engine
    finally:
        stopped = gvisor_script("stop", engine.directory)
        if stopped.returncode == 0:  # else kept, with its dockerd.log, to see why
            shutil.rmtree(engine.directory, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def sandbox_runtime(request: pytest.FixtureRequest) -> Iterator[str]:
    """The runtime this session's sandbox runs under (`SERVICE_CREATOR_TEST_RUNTIME`)."""
    if TEST_RUNTIME == "runc":
        yield "runc"
        return
    if TEST_RUNTIME != "runsc":
        pytest.fail(f"SERVICE_CREATOR_TEST_RUNTIME={TEST_RUNTIME!r}: use runc or runsc")
    engine: PrivateEngine = request.getfixturevalue("gvisor_engine")
    saved = {name: os.environ.get(name) for name in ("DOCKER_HOST", RUNTIME_VARIABLE)}
    os.environ.update({"DOCKER_HOST": engine.host, RUNTIME_VARIABLE: "runsc"})
    try:
        yield "runsc"
    finally:
        close_warm()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def docker_client(sandbox_runtime: str) -> docker.DockerClient:
    try:
        client = docker.from_env()
        client.ping()
    except (DockerException, OSError) as exc:
        docker_unavailable(f"no Docker engine is reachable ({exc})")
    return client


@pytest.fixture(scope="session")
def sandbox_settings(sandbox_runtime: str) -> Settings:
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
