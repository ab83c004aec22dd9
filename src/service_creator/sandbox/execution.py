"""One run of the in-container runner, seen from the host: exec it, read what it sends back
(at most a result tar's worth; the container is killed past that, at the deadline, on cancel,
or as soon as it is gone), and turn the result tar into a `RawRun`. Results are extracted in
memory: only the five known regular files, size-capped, no links, no paths."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import tarfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import cast

from docker.errors import APIError, DockerException, NotFound
from docker.models.containers import Container

from service_creator.domain.config import Settings
from service_creator.domain.errors import SandboxError
from service_creator.sandbox.docker import HOST_GRACE, SRC, engine_api, root_exec
from service_creator.sandbox.results import RawRun
from service_creator.sandbox.venv import PYTHON

log = logging.getLogger(__name__)

STDERR_LIMIT = 64 << 10
RESULT_FILES = {
    "result.json": 1 << 16,
    "output.txt": 16 << 20,
    "junit.xml": 8 << 20,
    "service.txt": 1 << 16,
    "coverage.json": 8 << 20,
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
    fixed = sum(size for name, size in RESULT_FILES.items() if name != "output.txt")
    return fixed + text + (1 << 16)


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
    run_dir = f"{SRC}/{run_name}"
    command = [PYTHON, "-I", f"{run_dir}/runner.py", run_dir]
    api = engine_api(container)
    try:
        exec_id = root_exec(container, command, workdir=SRC)
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
    future: Future[Captured], deadline: float, should_stop: Callable[[], bool], container: Container
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


def runner_result(files: dict[str, bytes]) -> dict[str, object]:
    """The runner's `result.json`: a JSON object, else empty."""
    try:
        result = json.loads(files.get("result.json", b"{}"))  # Any: JSON, checked below
    except ValueError:
        return {}
    if not isinstance(result, dict):
        return {}
    return cast(dict[str, object], result)  # a JSON object: its keys are strings


def as_exit_code(value: object) -> int | None:
    """pytest's exit status as the runner reported it; None when it is not a whole number."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_seconds(value: object) -> float:
    """The run's duration as the runner reported it; 0 when it is not a number."""
    return float(value) if isinstance(value, int | float) else 0.0


def raw_run(execution: Execution, settings: Settings, oom_flag: bool) -> RawRun:
    """Combine the runner's own result with what the host saw."""
    files = read_results(execution.stdout)
    result = runner_result(files)
    run = RawRun(
        junit=files.get("junit.xml"),
        output=files.get("output.txt", b"").decode("utf-8", "replace"),
        exit_code=as_exit_code(result.get("exit_code")),
        timed_out=bool(result.get("timed_out")) or execution.timed_out,
        oom_killed=bool(result.get("oom_killed")) or oom_flag,
        duration=as_seconds(result.get("duration")),
        timeout=settings.sandbox.timeout,
        truncated=bool(result.get("truncated")),
        service_answer=result.get("service"),
        service_output=files.get("service.txt", b"").decode("utf-8", "replace"),
        coverage=files.get("coverage.json"),
        coverage_answer=result.get("coverage"),
    )
    if run.truncated:
        run.notes.append(f"output truncated to {settings.sandbox.output_limit} bytes")
    if execution.overflowed:
        run.error = (
            f"output truncated: the sandbox sent over {stdout_cap(settings)} bytes of results, "
            "so its container was killed and nothing it sent is trusted"
        )
        return run
    add_runner_problems(run, result, files, execution)
    return run


def add_runner_problems(
    run: RawRun, result: dict[str, object], files: dict[str, bytes], execution: Execution
) -> None:
    """What went wrong in the sandbox, from the runner's result or, without one, its stderr."""
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
