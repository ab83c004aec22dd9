"""Locked-down containers: create, bring a project in, run the runner, read results, remove.

Every container gets no network, memory (= memory + swap), CPU and pids limits, a read-only
root, size-capped tmpfs for every writable place, a non-root user, no capabilities,
no-new-privileges and none of the host's environment. The project comes in through a volume
at `/src` that only root can write (the runner copies it into the tmpfs `/work`); results come
back as a tar on the runner's stdout, read with safe extraction. Containers carry labels so
leftovers of crashed runs can be removed at start-up.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import socket
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from docker.models.containers import Container
from docker.types import Mount

from service_creator.config import SandboxSettings, Settings
from service_creator.errors import CancelledByUser, SandboxError
from service_creator.sandbox.results import RawRun
from service_creator.sandbox.runtime import RUNC, memory_watch, runtime_options
from service_creator.sandbox.venv import PYTHON, SANDBOX_PATH

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
STDERR_LIMIT = 64 << 10
HOST_GRACE = 15.0
RESULT_FILES = {"result.json": 1 << 16, "output.txt": 16 << 20, "junit.xml": 8 << 20}
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


def container_options(sandbox: SandboxSettings) -> dict[str, object]:
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
    options = {**container_options(settings.sandbox), **runtime_options(client, settings)}
    try:
        return client.containers.create(
            tag, labels={LABEL: "1", OWNER_LABEL: owner(), **labels}, **options
        )
    except ImageNotFound as exc:
        raise ImageMissingError(f"the sandbox image {tag} is gone") from exc
    except (APIError, DockerException) as exc:
        raise SandboxError(f"cannot create the sandbox container: {exc}") from exc


def put(container: Container, archive: bytes) -> None:
    try:
        container.put_archive(SRC, archive)
    except (APIError, DockerException) as exc:
        raise SandboxError(f"cannot copy the project into the sandbox: {exc}") from exc


def job(settings: Settings, run_name: str, wheels: bool, runtime: str = RUNC) -> dict[str, object]:
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
        "pytest_args": PYTEST_ARGS,
    }


@dataclass
class Execution:
    stdout: bytes
    stderr: bytes
    exit_code: int | None
    timed_out: bool = False
    killed: bool = False
    overflowed: bool = False


@dataclass
class Captured:
    stdout: bytes
    stderr: bytes
    overflowed: bool


def stdout_cap(settings: Settings) -> int:
    """The most the runner's result tar can hold; a container sending more is not believed."""
    text = 3 * settings.sandbox.output_limit  # U+FFFD for each undecodable byte
    return RESULT_FILES["result.json"] + text + RESULT_FILES["junit.xml"] + (1 << 16)


def read_capped(frames: Iterator[tuple[bytes | None, bytes | None]], cap: int) -> Captured:
    """Read the exec's (stdout, stderr) frames; stop at `cap` stdout bytes, keep stderr's tail."""
    out, err = bytearray(), bytearray()
    for stdout, stderr in frames:
        if stdout:
            if len(out) + len(stdout) > cap:
                return Captured(bytes(out), bytes(err), overflowed=True)
            out += stdout
        if stderr:
            err += stderr
            del err[: max(0, len(err) - STDERR_LIMIT)]
    return Captured(bytes(out), bytes(err), overflowed=False)


def execute(
    container: Container,
    run_name: str,
    settings: Settings,
    should_stop: Callable[[], bool],
) -> Execution:
    """Exec the runner (root, few capabilities; it runs the tests as the sandbox user) and read
    at most `stdout_cap` bytes; kill the container at the deadline, on cancel or past the cap."""
    api = container.client.api
    run_dir = f"{SRC}/{run_name}"
    command = [PYTHON, "-I", f"{run_dir}/runner.py", run_dir]
    try:
        exec_id = api.exec_create(container.id, command, user="0", workdir=SRC, environment={})[
            "Id"
        ]
    except (APIError, DockerException) as exc:
        raise SandboxError(f"cannot start the tests in the sandbox: {exc}") from exc
    deadline = time.monotonic() + settings.sandbox.timeout + HOST_GRACE
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-exec")
    cap = stdout_cap(settings)
    try:
        future: Future[Captured] = pool.submit(
            lambda: read_capped(api.exec_start(exec_id, stream=True, demux=True), cap)
        )
        stopped = wait(future, deadline, should_stop, container)
        overflowed = future.done() and not future.exception() and future.result().overflowed
        if stopped or overflowed:
            with contextlib.suppress(APIError, DockerException):
                container.kill()
        try:
            captured = future.result(timeout=1 if stopped == "exited" else 30)
            # the runner reports pytest's status itself; the exec's only matters when it died
            died = not (stopped or overflowed or captured.stdout)
            code = api.exec_inspect(exec_id).get("ExitCode") if died else None
        except (APIError, DockerException, OSError) as exc:
            if not stopped:
                raise SandboxError(f"the sandbox run failed: {exc}") from exc
            captured, code = Captured(b"", b"", False), None
    finally:
        pool.shutdown(wait=False)
    return Execution(
        b"" if overflowed else captured.stdout,
        captured.stderr,
        code,
        timed_out=stopped == "timeout",
        killed=stopped == "cancelled",
        overflowed=overflowed,
    )


def wait(
    future: Future, deadline: float, should_stop: Callable[[], bool], container: Container
) -> str | None:
    next_check = time.monotonic() + 0.5
    while not future.done():
        if should_stop():
            return "cancelled"
        if time.monotonic() > deadline:
            return "timeout"
        if time.monotonic() > next_check:
            next_check = time.monotonic() + 0.5
            if not alive(container):
                return "exited"
        with contextlib.suppress(TimeoutError):
            future.result(timeout=0.05)
    return None


def alive(container: Container) -> bool:
    try:
        container.reload()
    except NotFound:
        return False
    except (APIError, DockerException):
        return True
    return container.status == "running"


def read_results(stdout: bytes) -> dict[str, bytes]:
    """Safe extraction into memory: only the known regular files, size-capped; nothing else."""
    files: dict[str, bytes] = {}
    if not stdout:
        return files
    try:
        with tarfile.open(fileobj=io.BytesIO(stdout), mode="r|") as tar:
            for member in tar:
                limit = RESULT_FILES.get(member.name)
                if limit is None or not member.isreg() or member.size > limit:
                    log.warning("ignored unexpected sandbox result entry %r", member.name)
                    continue
                data = tar.extractfile(member)
                if data is not None:
                    files[member.name] = data.read(limit)
    except (tarfile.TarError, EOFError) as exc:
        log.warning("sandbox results were cut short: %s", exc)
    return files


def raw_run(execution: Execution, settings: Settings, oom_flag: bool) -> RawRun:
    """Combine the runner's own result with what the host saw."""
    files = read_results(execution.stdout)
    try:
        result = json.loads(files.get("result.json", b"{}"))
    except ValueError:
        result = {}
    if not isinstance(result, dict):
        result = {}
    run = RawRun(
        junit=files.get("junit.xml"),
        output=files.get("output.txt", b"").decode("utf-8", "replace"),
        exit_code=result.get("exit_code"),
        timed_out=bool(result.get("timed_out")) or execution.timed_out,
        oom_killed=bool(result.get("oom_killed")) or oom_flag,
        duration=float(result.get("duration") or 0.0),
        timeout=settings.sandbox.timeout,
        truncated=bool(result.get("truncated")),
    )
    if run.truncated:
        run.notes.append(f"output truncated to {settings.sandbox.output_limit} bytes")
    if execution.overflowed:
        run.error = (
            f"output truncated: the sandbox sent over {stdout_cap(settings)} bytes of results, "
            "so its container was killed and nothing it sent is trusted"
        )
        return run
    if result.get("reset_error"):
        run.reset_error = str(result["reset_error"])
        run.not_run = bool(result.get("not_run"))
    if result.get("install_error"):
        run.notes.append(f"installing extra packages failed: {result['install_error']}")
    if result.get("runner_error"):
        run.error = f"the sandbox runner failed: {result['runner_error']}"
    elif "result.json" not in files and not (run.timed_out or run.oom_killed):
        tail = execution.stderr.decode("utf-8", "replace").strip()[-2000:]
        run.error = f"the sandbox returned no result (exit {execution.exit_code}): {tail}"
    return run


def container_oom_killed(container: Container) -> bool:
    with contextlib.suppress(APIError, DockerException):
        container.reload()
        return bool(container.attrs.get("State", {}).get("OOMKilled"))
    return False


def cancelled_error() -> CancelledByUser:
    return CancelledByUser("the sandbox run was cancelled; its container was removed")
