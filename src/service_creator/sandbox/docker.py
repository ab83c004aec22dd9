"""Locked-down containers: create, bring a project in, remove (running the runner in one is
`execution.py`).

Every container gets no network, memory (= memory + swap), CPU and pids limits, a read-only
root, size-capped tmpfs for every writable place, no-new-privileges and none of the host's
environment; the keeper and the runner are root with only `RUNNER_CAPS`, the tests run as the
sandbox user with none. The project comes in through a volume at `/src` that only root can
write (the runner copies it into the tmpfs `/work`). Containers carry labels so leftovers of
crashed runs can be removed at start-up.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Sequence
from typing import NotRequired, Protocol, TypedDict

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from docker.models.containers import Container
from docker.types import Mount, Ulimit

from service_creator.domain.config import SandboxSettings, Settings
from service_creator.domain.errors import CancelledByUser, SandboxError
from service_creator.sandbox.runner import Job, ServiceJob
from service_creator.sandbox.runtime import RUNC, memory_watch, runtime_options
from service_creator.sandbox.venv import SANDBOX_PATH

log = logging.getLogger(__name__)

LABEL = "service-creator.sandbox"
OWNER_LABEL = "service-creator.owner"
WORKSPACE_LABEL = "service-creator.workspace"
SRC, WORK, OUT, TMP = "/src", "/work", "/sandbox-out", "/tmp"
DEPS = "/tmp/.sandbox-deps"
KEEPER = ["sleep", "infinity"]
# What the root runner needs, and no more: switch to the sandbox user, empty its bounding set,
# signal its processes (a timeout) and empty folders the tests made read-only or sticky. Project
# code never holds any of them (see runner.py `drop_privileges`).
RUNNER_CAPS = ["SETUID", "SETGID", "SETPCAP", "KILL", "DAC_OVERRIDE", "FOWNER"]
HOST_GRACE = 15.0
PYTEST_ARGS = [
    "-v",
    "--tb=long",
    "--color=no",
    "-rfE",
    "-p",
    "no:cacheprovider",
    f"--rootdir={WORK}",
    "-o",
    "junit_family=xunit1",
    f"--junitxml={OUT}/junit.xml",
    "--continue-on-collection-errors",
]
_clients: dict[float, docker.DockerClient] = {}
_swept = threading.Event()


class ImageMissingError(SandboxError):
    """The image was removed since it was checked."""


class ContainerOptions(TypedDict):
    """Keyword arguments of `client.containers.create` for a sandbox container."""

    command: list[str]
    init: bool
    user: str
    working_dir: str
    hostname: str
    network_mode: str
    mem_limit: int | str
    memswap_limit: int | str
    nano_cpus: int
    pids_limit: int
    read_only: bool
    tmpfs: dict[str, str]
    mounts: list[Mount]
    cap_drop: list[str]
    cap_add: list[str]
    security_opt: list[str]
    environment: dict[str, str]
    ipc_mode: str
    detach: bool
    runtime: NotRequired[str]
    ulimits: NotRequired[list[Ulimit]]


class ArchiveTarget(Protocol):
    """`Container.put_archive`, typed (docker-py's stub leaves `data` untyped)."""

    def put_archive(self, path: str, data: bytes) -> bool: ...


class ExecCreator(Protocol):
    """`APIClient.exec_create`, typed (docker-py's stub leaves `container` and `cmd` untyped)."""

    def exec_create(
        self,
        container: str | None,
        cmd: list[str],
        *,
        user: str,
        workdir: str | None,
        environment: dict[str, str],
    ) -> dict[str, str]: ...  # the engine's JSON answer: {"Id": the exec's id}


def owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def docker_client(settings: Settings) -> docker.DockerClient:
    """A client whose read timeout outlasts a whole test run; SandboxError when no engine."""
    timeout = max(60.0, settings.sandbox.timeout + HOST_GRACE + 30.0)
    client = _clients.get(timeout)
    if client is None:
        try:
            client = docker.from_env(timeout=int(timeout))
            client.ping()
        except (DockerException, OSError) as exc:
            raise SandboxError(
                f"no Docker engine is reachable: {exc}",
                hint="start dockerd (scripts/ensure-docker.sh installs and starts it)",
            ) from exc
        _clients[timeout] = client
    if not _swept.is_set():
        remove_stale(client)
        _swept.set()
    return client


def labelled(client: docker.DockerClient, **extra: str) -> list[Container]:
    filters = [f"{LABEL}=1", *(f"{k}={v}" for k, v in extra.items())]
    return client.containers.list(all=True, filters={"label": filters})


def owner_alive(label: str | None) -> bool:
    host, _, pid = (label or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) <= 0:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(client: docker.DockerClient) -> int:
    """Remove labelled containers whose owning process is gone (crashed earlier runs)."""
    removed = 0
    for container in labelled(client):
        if not owner_alive(container.labels.get(OWNER_LABEL)):
            remove(container)
            removed += 1
    if removed:
        log.info("removed %d leftover sandbox container(s)", removed)
    return removed


def remove(container: Container) -> None:
    with contextlib.suppress(NotFound):
        try:
            container.remove(force=True, v=True)
        except APIError as exc:
            if exc.status_code != 409:  # 409: removal already in progress
                raise


def user_ids(user: str) -> tuple[str, str]:
    uid, _, gid = user.partition(":")
    return uid, gid or uid


def sandbox_ids(sandbox: SandboxSettings) -> tuple[int, int]:
    """The numeric user and group the code under test runs as; never root."""
    uid, gid = user_ids(sandbox.user)
    if not (uid.isdigit() and gid.isdigit()) or int(uid) == 0 or int(gid) == 0:
        raise SandboxError(
            f"the sandbox user {sandbox.user!r} must be a numeric, non-root uid:gid",
            hint="set SERVICE_CREATOR_SANDBOX_USER to e.g. 65534:65534",
        )
    return int(uid), int(gid)


def container_options(sandbox: SandboxSettings) -> ContainerOptions:
    """The keeper and the runner are root with only `RUNNER_CAPS`; the tests are `sandbox.user`."""
    uid, gid = sandbox_ids(sandbox)
    mine = f"uid={uid},gid={gid},mode=0700"
    size = f"rw,nosuid,nodev,size={sandbox.tmpfs_size}"
    return {
        "command": KEEPER,
        "init": True,
        "user": "0:0",
        "working_dir": WORK,
        "hostname": "sandbox",
        "network_mode": "none",
        "mem_limit": sandbox.memory,
        "memswap_limit": sandbox.memory,
        "nano_cpus": int(sandbox.cpus * 1e9),
        "pids_limit": sandbox.pids_limit,
        "read_only": True,
        "tmpfs": {
            WORK: f"{size},{mine}",
            TMP: f"{size},mode=1777",
            OUT: f"rw,nosuid,nodev,size=16m,{mine}",
        },
        "mounts": [Mount(target=SRC, source=None, type="volume")],
        "cap_drop": ["ALL"],
        "cap_add": RUNNER_CAPS,
        "security_opt": ["no-new-privileges"],
        "environment": {},
        "ipc_mode": "private",
        "detach": True,
    }


def create(client: docker.DockerClient, tag: str, settings: Settings, **labels: str) -> Container:
    options: ContainerOptions = {
        **container_options(settings.sandbox),
        **runtime_options(client, settings),
    }
    try:
        return client.containers.create(
            tag, labels={LABEL: "1", OWNER_LABEL: owner(), **labels}, **options
        )
    except ImageNotFound as exc:
        raise ImageMissingError(f"the sandbox image {tag} is gone") from exc
    except (APIError, DockerException) as exc:
        raise SandboxError(f"cannot create the sandbox container: {exc}") from exc


def put(container: ArchiveTarget, archive: bytes) -> None:
    try:
        container.put_archive(SRC, archive)
    except (APIError, DockerException) as exc:
        raise SandboxError(f"cannot copy the project into the sandbox: {exc}") from exc


def job(
    settings: Settings,
    run_name: str,
    wheels: bool,
    runtime: str = RUNC,
    service: ServiceJob | None = None,
    coverage: str = "off",
    select: Sequence[str] = (),
) -> Job:
    """The runner's job; `select`: checked node ids (domain/node_ids.py), to run only those."""
    uid, gid = sandbox_ids(settings.sandbox)
    return {
        "memory_watch": memory_watch(settings, runtime),
        "run": run_name,
        "work_dir": WORK,
        "out_dir": OUT,
        "deps_dir": DEPS,
        "uid": uid,
        "gid": gid,
        "path": SANDBOX_PATH,
        "timeout": settings.sandbox.timeout,
        "output_limit": settings.sandbox.output_limit,
        "wheels": wheels,
        "pytest_args": [*PYTEST_ARGS, *select],
        "service": service,
        "coverage": coverage,
    }


def engine_api(container: Container) -> docker.APIClient:
    """The low-level client of the engine `container` lives on."""
    if container.client is None:  # never for a container from `client.containers`
        raise SandboxError("the sandbox container has no Docker client")
    return container.client.api


def root_exec(container: Container, command: list[str], workdir: str | None = None) -> str:
    """Create an exec of `command` in `container` as root, with no environment; its id."""
    return create_exec(engine_api(container), container.id, command, workdir)


def create_exec(
    api: ExecCreator, container_id: str | None, command: list[str], workdir: str | None
) -> str:
    created = api.exec_create(container_id, command, user="0", workdir=workdir, environment={})
    return created["Id"]


def container_oom_killed(container: Container) -> bool:
    with contextlib.suppress(APIError, DockerException):
        container.reload()
        return bool(container.attrs.get("State", {}).get("OOMKilled"))
    return False


def cancelled_error() -> CancelledByUser:
    return CancelledByUser("the sandbox run was cancelled; its container was removed")
