"""The test operation: run a workspace's tests in the Docker sandbox; build the sandbox image.

Docker work is blocking, so it runs in a worker thread; the event loop stays free. Progress
reports are handed back to the loop's thread. Cancelling (the `Progress` says so, or the
awaiting task is cancelled) kills and removes the container before the call returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Mapping
from functools import partial
from typing import TypeVar

from pydantic import Field

from service_creator.domain.config import Settings
from service_creator.domain.errors import CancelledByUser, SandboxError
from service_creator.domain.ports import Progress
from service_creator.domain.reports import Finding, TestReport
from service_creator.domain.wire import WireModel
from service_creator.domain.workspace_path import WorkspacePath
from service_creator.sandbox.image import build_image
from service_creator.sandbox.results import report_findings
from service_creator.sandbox.runs import run_in_sandbox

T = TypeVar("T")
__all__ = [
    "BuildSandboxInput",
    "BuildSandboxOutput",
    "RunTestsInput",
    "RunTestsOutput",
    "build_sandbox",
    "exit_status",
    "render_report",
    "report_findings",
    "run_tests",
]


class RunTestsInput(WireModel):
    workspace: WorkspacePath = Field(description="Folder of the project whose tests to run")
    warm: bool | None = Field(
        None, description="Reuse one prepared container for this workspace (fast re-runs)"
    )
    timeout: float | None = Field(
        None, gt=0, le=3600, description="Wall-clock limit in seconds (default from settings)"
    )


class RunTestsOutput(WireModel):
    report: TestReport
    findings: list[Finding] = Field(description="Failures with file and line, for diagnostics")
    exit_code: int = Field(description="0 all passed, 1 some failed, 2 the run itself failed")


class BuildSandboxInput(WireModel):
    pass


class BuildSandboxOutput(WireModel):
    image: str = Field(description="Tag of the sandbox image")


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
    )
    report = await in_thread(lambda cancel: work(cancel=cancel))
    return RunTestsOutput(
        report=report, findings=report_findings(report), exit_code=exit_status(report)
    )


async def build_sandbox(
    inp: BuildSandboxInput, settings: Settings, progress: Progress
) -> BuildSandboxOutput:
    """Build the sandbox image when its inputs changed (`service-creator sandbox build`)."""
    loop = asyncio.get_running_loop()
    threaded = ThreadProgress(progress, loop)
    tag = await in_thread(lambda _cancel: build_image(settings, threaded))
    return BuildSandboxOutput(image=tag)


def exit_status(report: TestReport) -> int:
    """0 when every test passed, 1 when some failed (or hung, or ran out of memory), 2 when
    the sandbox itself failed."""
    if report.outcome == "passed":
        return 0
    return 2 if report.outcome == "sandbox_error" else 1


def render_report(output: RunTestsOutput) -> str:
    """A readable report for a terminal: a summary line, then each failure as `file:line`."""
    report = output.report
    lines = [
        f"{report.outcome.upper()}: {report.passed} passed, {report.failed} failed, "
        f"{report.errors} errors, {report.skipped} skipped in {report.duration:.2f} s"
        + (f" (runtime {report.runtime})" if report.runtime else "")
    ]
    if report.message:
        lines.append(report.message)
    for finding in output.findings:
        where = f"{finding.location.path}:{finding.location.line}"
        first, *_ = finding.message.splitlines() or [""]
        lines.append(f"  {where}: {first}")
    return "\n".join(lines)
