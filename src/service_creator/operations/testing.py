"""The test operation: run a workspace's tests in the Docker sandbox; build the sandbox image.

Every run's report is saved as the workspace's last (`.service-creator/last_report.json`): the
findings a front door shows later and the failure a fix repairs are read from it. A run of
selected tests is merged into it: the tests it did not run keep their last results.

Docker work is blocking, so it runs in a worker thread; the event loop stays free. Progress
reports are handed back to the loop's thread. Cancelling (the `Progress` says so, or the
awaiting task is cancelled) kills and removes the container before the call returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from service_creator.domain.atomic import atomic_write
from service_creator.domain.config import DEFAULT_SUSPICIOUS_LINES, Settings
from service_creator.domain.confine import STATE_DIR, state_dir
from service_creator.domain.errors import CancelledByUser, SandboxError, UnsafeFileError
from service_creator.domain.ports import Progress
from service_creator.domain.reports import TestReport
from service_creator.domain.safe_files import read_project_text
from service_creator.domain.workspace_path import WorkspacePath
from service_creator.operations.io import (
    BuildSandboxInput,
    BuildSandboxOutput,
    RunTestsInput,
    RunTestsOutput,
    SandboxInfoOutput,
)
from service_creator.sandbox.docker import docker_client
from service_creator.sandbox.doctor import sandbox_info as engine_info
from service_creator.sandbox.image import build_image
from service_creator.sandbox.results import merged_report, report_findings
from service_creator.sandbox.runs import close_warm, run_in_sandbox

log = logging.getLogger(__name__)

T = TypeVar("T")
REPORT_FILE = "last_report.json"
REPORT_LIMIT = 32 << 20


class ThreadProgress:
    """A `Progress` for a worker thread: reports are delivered on the event loop's thread."""

    def __init__(self, progress: Progress, loop: asyncio.AbstractEventLoop) -> None:
        self._progress = progress
        self._loop = loop

    def report(self, done: int, total: int | None, message: str) -> None:
        with contextlib.suppress(RuntimeError):  # loop already closed
            self._loop.call_soon_threadsafe(self._progress.report, done, total, message)

    @property
    def cancelled(self) -> bool:
        return self._progress.cancelled


async def in_thread(work: Callable[[threading.Event], T]) -> T:
    """Run `work(cancel_event)` in a thread; on task cancellation set the event and wait."""
    cancel = threading.Event()
    future = asyncio.get_running_loop().run_in_executor(None, work, cancel)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        cancel.set()
        with contextlib.suppress(CancelledByUser, SandboxError):
            await future  # the worker removes its container before it returns
        raise


def with_timeout(settings: Settings, timeout: float | None) -> Settings:
    if timeout is None:
        return settings
    sandbox = settings.sandbox.model_copy(update={"timeout": timeout})
    return settings.model_copy(update={"sandbox": sandbox})


async def run_tests(
    inp: RunTestsInput,
    settings: Settings,
    progress: Progress,
    overlay: Mapping[str, str] | None = None,
) -> RunTestsOutput:
    """Run the workspace's tests in the sandbox; failures come back as findings with locations.

    `overlay` (workspace-relative path -> text) is tested instead of those files on disk: an
    editor passes its unsaved buffers, so the tests see what the user sees.

    Raises `SandboxError` when the sandbox cannot run at all (no engine, no base image) and
    `CancelledByUser` when cancelled through the progress port.
    """
    settings = with_timeout(settings, inp.timeout)
    loop = asyncio.get_running_loop()
    work = partial(
        run_in_sandbox,
        inp.workspace.path,
        settings,
        warm=inp.warm,
        progress=ThreadProgress(progress, loop),
        overlay=overlay,
        select=inp.tests or (),
    )
    report = await in_thread(lambda cancel: work(cancel=cancel))
    last = await asyncio.to_thread(save_run, inp.workspace.path, report, inp.tests)
    output = tests_output(last, settings.suspicious_lines)
    return output.model_copy(update={"report": report, "exit_code": exit_status(report)})


def save_run(workspace: Path, report: TestReport, selected: list[str] | None) -> TestReport:
    """Save the run as the workspace's last, merged into the last one when it ran a selection
    (the other tests keep their results); the saved report."""
    last = merged_report(load_report(workspace), report) if selected else report
    save_report(workspace, last)
    return last


def tests_output(
    report: TestReport, suspicious_lines: int = DEFAULT_SUSPICIOUS_LINES
) -> RunTestsOutput:
    """The report, its findings (with `suspicious_lines` ranked lines per failing test) and
    the exit status."""
    findings = report_findings(report, suspicious_lines)
    return RunTestsOutput(report=report, findings=findings, exit_code=exit_status(report))


# --- the last report -----------------------------------------------------------------------


def save_report(workspace: Path, report: TestReport) -> None:
    atomic_write(state_dir(workspace) / REPORT_FILE, report.model_dump_json(indent=1))


def load_report(workspace: Path) -> TestReport | None:
    """The last report, read through no link; a damaged one is ignored (its text never shown)."""
    relative = f"{STATE_DIR}/{REPORT_FILE}"
    try:
        text = read_project_text(workspace, relative, limit=REPORT_LIMIT)
        return TestReport.model_validate_json(text)
    except FileNotFoundError:
        return None
    except UnsafeFileError as exc:
        log.warning("ignoring the last test report: %s", exc.message)
    except (OSError, ValidationError) as exc:
        problem = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else exc.strerror
        log.warning("ignoring an unreadable %s: %s", relative, problem)
    return None


def last_tests(
    workspace: WorkspacePath, suspicious_lines: int = DEFAULT_SUSPICIOUS_LINES
) -> RunTestsOutput | None:
    """The workspace's last test run, as `run_tests` returned it."""
    report = load_report(workspace.path)
    return None if report is None else tests_output(report, suspicious_lines)


async def build_sandbox(
    inp: BuildSandboxInput, settings: Settings, progress: Progress
) -> BuildSandboxOutput:
    """Build the sandbox image when its inputs changed (`service-creator sandbox build`)."""
    loop = asyncio.get_running_loop()
    threaded = ThreadProgress(progress, loop)
    tag = await in_thread(lambda _cancel: build_image(settings, threaded))
    return BuildSandboxOutput(image=tag)


def sandbox_info(settings: Settings) -> SandboxInfoOutput:
    """What the sandbox would run on (engine, runtimes, images), and what is missing."""

    info = engine_info(docker_client(settings), settings)
    return SandboxInfoOutput.model_validate(asdict(info))


def release_warm(workspace: WorkspacePath) -> None:
    """Remove the prepared container kept for `workspace` (warm runs), if there is one."""
    close_warm(workspace.path)


def exit_status(report: TestReport) -> int:
    """0 when every test passed, 1 when some failed (or hung, or ran out of memory), 2 when
    the sandbox itself failed."""
    if report.outcome == "passed":
        return 0
    return 2 if report.outcome == "sandbox_error" else 1
