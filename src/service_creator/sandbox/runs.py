"""One test run of a workspace in the sandbox, cold (a fresh container) or warm (one kept per
workspace and reset between runs). Blocking: callers on an event loop use a thread."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import tempfile
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import docker
from docker.errors import APIError, DockerException
from docker.models.containers import Container

from service_creator.domain.config import Settings
from service_creator.domain.errors import SandboxError
from service_creator.domain.ports import NoProgress, Progress
from service_creator.domain.reports import Location, TestCase, TestReport
from service_creator.sandbox import docker as sandbox
from service_creator.sandbox.execution import execute, raw_run
from service_creator.sandbox.image import ensure_image, forget_image, installed_packages
from service_creator.sandbox.pip_requirements import Refused, read_project_requirements
from service_creator.sandbox.project import run_archive
from service_creator.sandbox.results import REQUIREMENTS_ID, RawRun, build_report
from service_creator.sandbox.runtime import resolve_runtime
from service_creator.sandbox.selection import selected_tests
from service_creator.sandbox.service import plan_service, service_check
from service_creator.sandbox.spectra import DEFAULT_COVERAGE, CoverageMode
from service_creator.sandbox.venv import PYTHON
from service_creator.sandbox.wheelhouse import collect_extras, missing

log = logging.getLogger(__name__)
STEPS = 4
OOM_PROBE = (
    "import pathlib;print(pathlib.Path('/sys/fs/cgroup/memory/memory.oom_control').read_text())"
)


@dataclass
class Extras:
    wheels: list[Path] = field(default_factory=list[Path])
    cases: list[TestCase] = field(default_factory=list[TestCase])


@dataclass
class WarmContainer:
    container: Container
    fingerprint: str
    previous: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_extras_cache: dict[str, Extras] = {}
_warm: dict[str, WarmContainer] = {}
_warm_lock = threading.Lock()


@dataclass
class Run:
    """One run's inputs, prepared on the host."""

    client: docker.DockerClient
    tag: str
    workspace: Path
    settings: Settings
    archive: bytes
    name: str
    should_stop: Callable[[], bool]
    progress: Progress


def run_in_sandbox(
    workspace: Path,
    settings: Settings,
    *,
    warm: bool | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    overlay: Mapping[str, str] | None = None,
    coverage: CoverageMode = DEFAULT_COVERAGE,
    select: Sequence[str] = (),
) -> TestReport:
    """Run the workspace's tests in the sandbox and interpret the results.

    `overlay` (workspace-relative path -> text) is tested instead of those files on disk.
    `coverage` says when per-test line coverage is recorded to rank the lines a failing test
    implicates (`report.localization`): "off", "first-pass" (in the one pass: its probes cost
    a few percent, bench/localize_cost.py), "on-failure" (a second pass after a failing one:
    nothing on a passing run, about 1.7x on a failing one) or "auto" (first-pass for the whole
    suite). `select` (pytest node ids) runs only those tests, without the service check, and
    without coverage unless `coverage` names a mode.
    """
    progress = progress or NoProgress()
    workspace = workspace.resolve()
    if not workspace.is_dir():
        raise SandboxError(f"no such workspace folder: {workspace}")
    warm = settings.sandbox.warm if warm is None else warm
    select = selected_tests(workspace, select, overlay)

    def should_stop() -> bool:
        return progress.cancelled or (cancel is not None and cancel.is_set())

    progress.report(0, STEPS, "checking the sandbox image")
    client = sandbox.docker_client(settings)
    tag = ensure_image(client, settings, progress)
    extras = project_extras(client, tag, workspace, settings)
    name = f"run-{uuid.uuid4().hex[:12]}"
    runtime = resolve_runtime(client, settings)
    plan = plan_service(workspace, overlay)
    if coverage == "auto":  # a selection's spectrum (one test's) ranks nothing
        coverage = "off" if select else "first-pass"
    job = sandbox.job(
        settings,
        name,
        wheels=bool(extras.wheels),
        runtime=runtime,
        service=None if select else plan.job,
        coverage=coverage,
        select=select,
    )
    archive = run_archive(workspace, name, job, extras.wheels, overlay)
    if should_stop():
        raise sandbox.cancelled_error()
    progress.report(1, STEPS, "copying the project into the sandbox")
    run = Run(client, tag, workspace, settings, archive, name, should_stop, progress)
    try:
        raw = warm_run(run) if warm else cold_run(run)
    except sandbox.ImageMissingError:  # removed since it was checked: check again, once
        forget_image(settings)
        run.tag = ensure_image(client, settings, progress)
        raw = warm_run(run) if warm else cold_run(run)
    raw.extra_cases = extras.cases + raw.extra_cases
    raw.service = service_check(plan, raw.service_answer, raw.service_output)
    progress.report(STEPS, STEPS, "reading the results")
    report = build_report(raw, workspace)
    report.runtime = runtime
    return report


# --- cold -------------------------------------------------------------------------------------


def cold_run(run: Run) -> RawRun:
    labels = {"service-creator.mode": "cold"}
    container = sandbox.create(run.client, run.tag, run.settings, **labels)
    try:
        sandbox.put(container, run.archive)
        start(container)
        run.progress.report(2, STEPS, "running the tests")
        return not_run_error(finish(container, run))
    finally:
        sandbox.remove(container)


def start(container: Container) -> None:
    try:
        container.start()
    except (APIError, DockerException) as exc:
        raise SandboxError(f"cannot start the sandbox container: {exc}") from exc


def finish(container: Container, run: Run) -> RawRun:
    execution = execute(container, run.name, run.settings, run.should_stop)
    if execution.killed:
        raise sandbox.cancelled_error()
    runner_died = not execution.stdout and not execution.timed_out
    oom = runner_died and (oom_events(container) > 0 or sandbox.container_oom_killed(container))
    return raw_run(execution, run.settings, oom)


def oom_events(container: Container) -> int:
    """The memory cgroup's OOM-kill count (cgroup v1), read from inside; 0 when unknown."""
    with contextlib.suppress(APIError, DockerException):
        output = container.exec_run([PYTHON, "-c", OOM_PROBE], user="0", environment={}).output
        if not isinstance(output, bytes):  # a stream only when asked for one
            return 0
        for line in output.decode("utf-8", "replace").splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
    return 0


# --- warm -------------------------------------------------------------------------------------


def warm_run(run: Run, *, retry: bool = True) -> RawRun:
    """Run in the workspace's kept container; a container the runner could not empty is
    discarded, and when that kept the tests from running, they run again in a fresh one."""
    entry = warm_container(run.client, run.tag, run.workspace, run.settings)
    with entry.lock:
        try:
            sandbox.put(entry.container, run.archive)
            run.progress.report(2, STEPS, "running the tests")
            raw = finish(entry.container, run)
        except BaseException:
            discard(run.workspace, entry)
            raise
        if raw.reset_error:
            log.warning("discarding the warm sandbox container: %s", raw.reset_error)
        if raw.error or raw.timed_out or raw.oom_killed or raw.reset_error:
            discard(run.workspace, entry)  # do not trust a container that ended badly
        else:
            previous, entry.previous = entry.previous, run.name
            cleanup = threading.Thread(target=forget_run, args=(entry.container, previous))
            cleanup.start()
    if raw.not_run and retry:
        return warm_run(run, retry=False)
    return not_run_error(raw)


def not_run_error(raw: RawRun) -> RawRun:
    """A run a fresh container could not even be emptied for is the sandbox's failure."""
    if raw.not_run and not raw.error:
        raw.error = f"the sandbox container could not be reset: {raw.reset_error}"
    return raw


def fingerprint(tag: str, settings: Settings) -> str:
    """What a warm container was made with; the timeout and output cap are per run."""
    container_fields = {"memory", "cpus", "pids_limit", "tmpfs_size", "user", "runtime"}
    limits = settings.sandbox.model_dump(mode="json", include=container_fields)
    text = json.dumps([tag, limits], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def workspace_key(workspace: Path) -> str:
    return hashlib.sha256(str(workspace).encode()).hexdigest()[:16]


def warm_container(
    client: docker.DockerClient, tag: str, workspace: Path, settings: Settings
) -> WarmContainer:
    """The workspace's running warm container, (re)created when missing, dead or outdated."""
    key = workspace_key(workspace)
    wanted = fingerprint(tag, settings)
    with _warm_lock:
        entry = _warm.get(key)
        if entry is not None and (entry.fingerprint != wanted or not running(entry.container)):
            _warm.pop(key, None)
            sandbox.remove(entry.container)
            entry = None
        if entry is None:
            labels = {"service-creator.mode": "warm", sandbox.WORKSPACE_LABEL: key}
            container = sandbox.create(client, tag, settings, **labels)
            try:
                start(container)
            except SandboxError:
                sandbox.remove(container)
                raise
            entry = _warm[key] = WarmContainer(container, wanted)
        return entry


def running(container: Container) -> bool:
    try:
        container.reload()
    except (APIError, DockerException):
        return False
    return container.status == "running"


def forget_run(container: Container, run_name: str | None) -> None:
    """Delete an earlier run's files from `/src` (as root, in the background)."""
    if run_name is None:
        return
    with contextlib.suppress(APIError, DockerException):
        exec_id = sandbox.root_exec(container, ["rm", "-rf", f"{sandbox.SRC}/{run_name}"])
        sandbox.engine_api(container).exec_start(exec_id, detach=True)


def discard(workspace: Path, entry: WarmContainer) -> None:
    with _warm_lock:
        if _warm.get(workspace_key(workspace)) is entry:
            del _warm[workspace_key(workspace)]
    sandbox.remove(entry.container)


def close_warm(workspace: Path | None = None) -> None:
    """Remove the warm container of one workspace, or of all of them."""
    with _warm_lock:
        keys = list(_warm) if workspace is None else [workspace_key(workspace.resolve())]
        entries = [_warm.pop(k) for k in keys if k in _warm]
    for entry in entries:
        with contextlib.suppress(APIError, DockerException):
            sandbox.remove(entry.container)


atexit.register(close_warm)


# --- extra requirements -----------------------------------------------------------------------


def project_extras(
    client: docker.DockerClient, tag: str, workspace: Path, settings: Settings
) -> Extras:
    """Wheels for `requirements.txt` entries the image lacks; findings for refused lines and
    unobtainable packages. Only index names with specifiers reach the host's pip."""
    requirements = read_project_requirements(workspace)
    refused = [refused_case(item) for item in requirements.refused]
    wanted = [(item.line, item.spec) for item in requirements.wanted]
    lacking = missing(wanted, installed_packages(client, tag)) if wanted else []
    if not lacking:
        return Extras(cases=refused)
    key = hashlib.sha256(json.dumps([tag, lacking]).encode()).hexdigest()
    if key not in _extras_cache:
        _extras_cache[key] = gather_extras(lacking, client, tag, settings)
    found = _extras_cache[key]
    return Extras(wheels=found.wheels, cases=refused + found.cases)


def refused_case(refused: Refused) -> TestCase:
    return TestCase(
        id=f"{REQUIREMENTS_ID}:{refused.line}",
        outcome="error",
        message=f"refused: {refused.reason}",
        location=Location(path=REQUIREMENTS_ID, line=refused.line),
    )


def gather_extras(
    lacking: list[tuple[int, str]], client: docker.DockerClient, tag: str, settings: Settings
) -> Extras:
    wheelhouse = settings.sandbox.wheelhouse
    with tempfile.TemporaryDirectory(prefix="sandbox-extras-") as scratch:
        found = collect_extras(
            [spec for _, spec in lacking],
            installed_packages(client, tag),
            wheelhouse,
            Path(scratch),
        )
        wheels = [wheelhouse / wheel.name for wheel in found.wheels]
    cases = [
        TestCase(
            id=f"{REQUIREMENTS_ID}::{spec}",
            outcome="error",
            message=f"{spec!r} cannot be installed in the sandbox: {found.unavailable[spec]}",
            location=Location(path=REQUIREMENTS_ID, line=number),
        )
        for number, spec in lacking
        if spec in found.unavailable
    ]
    return Extras(wheels=[w for w in wheels if w.is_file()], cases=cases)
