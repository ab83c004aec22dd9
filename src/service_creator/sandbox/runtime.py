"""Which OCI runtime runs the sandbox: runc (the engine's usual one) or runsc (gVisor).

gVisor puts a user-space kernel between the test code and the host's kernel: a second wall
behind the container's limits. `SERVICE_CREATOR_SANDBOX_RUNTIME` picks it: `runc` (default),
`runsc` (an error when the engine has no runtime of that name), or `auto` (runsc when the
engine has it registered, else runc). The engine's runtimes are asked once per engine and
remembered for a short while, so a run costs no extra API call.
"""

from __future__ import annotations

import threading
import time

import docker
from docker.errors import APIError, DockerException

from service_creator.config import Settings
from service_creator.errors import SandboxError

RUNC, RUNSC = "runc", "runsc"
RECHECK_SECONDS = 30.0
RUNSC_ARGS = ("--platform=ptrace", "--network=none")
RUNSC_HINT = (
    "install gVisor (`apt-get install runsc`) and register it with the Docker engine: in its "
    '/etc/docker/daemon.json, {"runtimes": {"runsc": {"path": "/usr/bin/runsc", '
    '"runtimeArgs": ["--platform=ptrace", "--network=none"]}}}, then restart dockerd; or run '
    "a private engine with it (`scripts/gvisor-dockerd.sh start DIR`, then "
    "DOCKER_HOST=unix://DIR/docker.sock); or set SERVICE_CREATOR_SANDBOX_RUNTIME=runc or auto"
)
_known: dict[str, tuple[frozenset[str], float]] = {}
_lock = threading.Lock()


def engine_runtimes(client: docker.DockerClient) -> frozenset[str]:
    """The names of the runtimes the engine has registered (`docker info`'s Runtimes)."""
    key = str(client.api.base_url)
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


def forget_runtimes() -> None:
    """Ask the engines again next time (an engine was restarted with other runtimes)."""
    with _lock:
        _known.clear()
