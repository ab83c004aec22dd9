"""Which OCI runtime runs the sandbox: runc (the engine's usual one) or runsc (gVisor).

gVisor puts a user-space kernel between the test code and the host's kernel: a second wall
behind the container's limits. `SERVICE_CREATOR_SANDBOX_RUNTIME` picks it: `runc` (default),
`runsc` (an error when the engine has no runtime of that name), or `auto` (runsc when the
engine has it registered, else runc). The engine's runtimes are asked once per engine and
remembered for a short while, so a run costs no extra API call.

The pids limit under runsc: with gVisor's ptrace platform every process in the sandbox is backed
by a host stub process (about 5.5 host tasks each, measured) and the sentry's own threads live
in the same host pids cgroup, and this gVisor (Debian's 2022-12 runsc) has no pids controller of
its own. A host limit of `pids_limit` tasks is therefore hit by gVisor itself long before the
sandbox has `pids_limit` processes, and gVisor cannot fail the guest's fork: the sentry panics
and the whole sandbox dies. So under runsc the limit the tests see is `RLIMIT_NPROC`
(processes and threads per user, counted by gVisor's kernel, which, unlike the host's, holds
nothing but this sandbox), and the host pids cgroup gets room for gVisor's tasks on top: still
a bound on the host, never reached by the code under test.

That limit is also cut to what the memory limit can hold: a forked copy of a pytest-sized
process costs gVisor about 27 MB of the container's memory (0.5 MB under runc, measured with
40 children of a process that imported pytest, fastapi and sqlalchemy), and the host's OOM
killer then kills the whole sandbox, not one process. With at most one process per
`RUNSC_BYTES_PER_PROCESS` of memory a fork bomb fails with EAGAIN, as under runc.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import TypedDict

import docker
from docker.errors import APIError, DockerException
from docker.types import Ulimit

from service_creator.domain.config import Settings
from service_creator.domain.errors import SandboxError

RUNC, RUNSC = "runc", "runsc"
RECHECK_SECONDS = 30.0
RUNSC_ARGS = ("--platform=ptrace", "--network=none")
RUNSC_HOST_TASKS = 128  # the sentry, the gofer and their threads
RUNSC_TASKS_PER_PROCESS = 8  # host tasks behind one sandbox process (5.5 measured)
RUNSC_BYTES_PER_PROCESS = 40 << 20  # sandbox memory one forked process may take
RUNSC_MIN_PROCESSES = 8
RUNSC_HINT = (
    "install gVisor (`apt-get install runsc`) and register it with the Docker engine: in its "
    '/etc/docker/daemon.json, {"runtimes": {"runsc": {"path": "/usr/bin/runsc", '
    '"runtimeArgs": ["--platform=ptrace", "--network=none"]}}}, then restart dockerd; or run '
    "a private engine with it (`scripts/gvisor-dockerd.sh start DIR`, then "
    "DOCKER_HOST=unix://DIR/docker.sock); or set SERVICE_CREATOR_SANDBOX_RUNTIME=runc or auto"
)
# per engine connection (a unix socket's base_url is always "http+docker://localhost")
_known: weakref.WeakKeyDictionary[object, tuple[frozenset[str], float]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


class RuntimeOptions(TypedDict, total=False):
    """Keyword arguments of `client.containers.create` the runtime sets or overrides."""

    runtime: str
    mem_limit: int
    memswap_limit: int
    ulimits: list[Ulimit]
    pids_limit: int


def engine_runtimes(client: docker.DockerClient) -> frozenset[str]:
    """The names of the runtimes the engine has registered (`docker info`'s Runtimes)."""
    key = client.api
    with _lock:
        known = _known.get(key)
    if known is not None and time.monotonic() - known[1] < RECHECK_SECONDS:
        return known[0]
    try:
        runtimes = frozenset(client.info().get("Runtimes") or {})
    except (APIError, DockerException, OSError) as exc:
        raise SandboxError(f"cannot ask the Docker engine for its runtimes: {exc}") from exc
    with _lock:
        _known[key] = (runtimes, time.monotonic())
    return runtimes


def pick_runtime(wanted: str, available: frozenset[str]) -> str:
    """`auto` -> runsc when available, else runc; a runtime asked for by name must exist."""
    if wanted == "auto":
        return RUNSC if RUNSC in available else RUNC
    if wanted not in available:
        hint = RUNSC_HINT if wanted == RUNSC else "set SERVICE_CREATOR_SANDBOX_RUNTIME=auto"
        names = ", ".join(sorted(available)) or "none"
        raise SandboxError(
            f"the sandbox runtime {wanted!r} is not registered with the Docker engine "
            f"(it has: {names})",
            hint=hint,
        )
    return wanted


def resolve_runtime(client: docker.DockerClient, settings: Settings) -> str:
    """The runtime the sandbox's containers run under on this engine."""
    return pick_runtime(settings.sandbox.runtime, engine_runtimes(client))


def runtime_options(client: docker.DockerClient, settings: Settings) -> RuntimeOptions:
    """Container options for the resolved runtime, over `container_options`' own."""
    runtime = resolve_runtime(client, settings)
    if runtime != RUNSC:
        return {"runtime": runtime}
    limit = runsc_process_limit(settings)
    host_memory = parse_bytes(settings.sandbox.memory) + runsc_memory_headroom(settings)
    return {
        "runtime": runtime,
        "mem_limit": host_memory,
        "memswap_limit": host_memory,
        "ulimits": [Ulimit(name="nproc", soft=limit, hard=limit)],
        "pids_limit": RUNSC_HOST_TASKS + RUNSC_TASKS_PER_PROCESS * settings.sandbox.pids_limit,
    }


def memory_watch(settings: Settings, runtime: str) -> int | None:
    """Bytes the tests may hold under runsc, watched by the in-sandbox runner; None under runc.

    Under runc the memory cgroup kills the biggest process and the runner reports it. Under
    runsc the cgroup holds gVisor itself too, and the host's OOM killer would kill the whole
    sandbox, report and all; so the cgroup gets `runsc_memory_headroom` on top and the runner
    kills the tests when they pass `memory`.
    """
    return parse_bytes(settings.sandbox.memory) if runtime == RUNSC else None


def runsc_memory_headroom(settings: Settings) -> int:
    """gVisor's own memory (sentry, gofer, page tables) and what a fast bomb takes between two
    looks of the runner: as much again as the limit, at least 256 MiB."""
    return max(256 << 20, parse_bytes(settings.sandbox.memory))


def runsc_process_limit(settings: Settings) -> int:
    """Processes and threads per user in a gVisor sandbox: `pids_limit`, or what memory holds."""
    by_memory = parse_bytes(settings.sandbox.memory) // RUNSC_BYTES_PER_PROCESS
    return min(settings.sandbox.pids_limit, max(RUNSC_MIN_PROCESSES, by_memory))


def parse_bytes(size: str) -> int:
    """Docker's memory notation: `512m`, `1g`, `1048576`, `64k` (binary units)."""
    text = size.strip().lower().removesuffix("b")
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def forget_runtimes() -> None:
    """Ask the engines again next time (an engine was restarted with other runtimes)."""
    with _lock:
        _known.clear()
