"""Background jobs for long work (generation, test runs, fixes).

A tool starts the work as a job in the server's task group and waits for it at most
`return_after` seconds, forwarding progress to the caller. If the job is not done by then the
tool returns the job's id, and `get_job` reports status, progress and, once done, the result:
many clients drop a tool call after about 60 s, so no call waits that long.

Everything waits on events (a job signals each change); nothing polls or sleeps.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

import anyio
import anyio.abc
from pydantic import BaseModel

from service_creator.domain.errors import ServiceCreatorError

log = logging.getLogger(__name__)

JobKind = Literal["generate_service", "run_tests", "fix_failure"]
JobStatus = Literal["running", "succeeded", "failed", "cancelled"]
Work = Callable[["JobProgress"], Awaitable[BaseModel]]
OnProgress = Callable[["Job"], Awaitable[None]]


@dataclass
class Job:
    id: str
    kind: JobKind
    scope: str
    session_id: str
    status: JobStatus = "running"
    done: int = 0
    total: int | None = None
    message: str = "starting"
    result: BaseModel | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished_at: float | None = None
    cancel_requested: bool = False
    _changed: anyio.Event = field(default_factory=anyio.Event, repr=False)

    @property
    def finished(self) -> bool:
        return self.status != "running"

    @property
    def elapsed(self) -> float:
        return (self.finished_at or time.monotonic()) - self.started

    def signal(self) -> None:
        """Wake everyone waiting for a change (call on the event loop's thread)."""
        event, self._changed = self._changed, anyio.Event()
        event.set()

    def next_change(self) -> anyio.Event:
        """Set at the job's next change; take it before looking at the job's state."""
        return self._changed


class JobProgress:
    """The `Progress` port for a job: records each report on the job and wakes its waiters.

    Safe to call from a worker thread: the update is handed to the event loop.
    """

    def __init__(self, job: Job, loop: asyncio.AbstractEventLoop) -> None:
        self.job = job
        self._loop = loop

    def report(self, done: int, total: int | None, message: str) -> None:
        try:
            on_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            self._update(done, total, message)
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._update, done, total, message)

    def _update(self, done: int, total: int | None, message: str) -> None:
        job = self.job
        if job.finished:
            return
        job.done, job.total, job.message = max(done, job.done), total, message
        job.signal()

    @property
    def cancelled(self) -> bool:
        return self.job.cancel_requested


class Jobs:
    """The running and finished jobs of one server process, each visible only to its scope."""

    def __init__(self, tasks: anyio.abc.TaskGroup, return_after: float) -> None:
        self._tasks = tasks
        self.return_after = return_after
        self._jobs: dict[str, Job] = {}

    def start(
        self,
        kind: JobKind,
        scope: str,
        session_id: str,
        work: Work,
        on_done: Callable[[BaseModel], None] = lambda result: None,
    ) -> Job:
        job_id = secrets.token_urlsafe(16)
        job = Job(job_id, kind, scope, session_id, message=f"Job {job_id} started")
        self._jobs[job.id] = job
        self._tasks.start_soon(self._run, job, work, on_done, name=f"{kind} {job.id}")
        return job

    def get(self, scope: str, job_id: str) -> Job | None:
        job = self._jobs.get(job_id)
        return job if job is not None and job.scope == scope else None

    def running(self, scope: str, session_id: str, kind: JobKind) -> Job | None:
        """The scope's job of this kind for the session that is under way (to join it)."""
        for job in self._jobs.values():
            mine = (job.scope, job.session_id, job.kind) == (scope, session_id, kind)
            if mine and not job.finished and not job.cancel_requested:
                return job
        return None

    async def _run(self, job: Job, work: Work, on_done: Callable[[BaseModel], None]) -> None:
        progress = JobProgress(job, asyncio.get_running_loop())
        try:
            job.result = await work(progress)
            on_done(job.result)
            # finished work counts as done even if a stop was asked for too late
            job.status = "cancelled" if getattr(job.result, "cancelled", False) else "succeeded"
        except ServiceCreatorError as exc:
            job.status = "cancelled" if job.cancel_requested else "failed"
            job.error = str(exc)
        except anyio.get_cancelled_exc_class():
            job.status, job.error = "cancelled", "The server is shutting down"
            raise
        except Exception as exc:  # a bug: say what it was, keep the trace in the log
            log.exception("job %s (%s) crashed", job.id, job.kind)
            job.status, job.error = "failed", f"Internal error: {type(exc).__name__}: {exc}"
        finally:
            job.finished_at = time.monotonic()
            job.message = {"succeeded": "done"}.get(job.status, job.status)
            job.signal()

    async def wait(self, job: Job, seconds: float, on_progress: OnProgress | None = None) -> None:
        """Until the job finishes or `seconds` pass; `on_progress` sees each change meanwhile.

        If the waiting call itself is cancelled (the client gave up on it), the job is asked
        to stop too.
        """
        try:
            with anyio.move_on_after(max(seconds, 0)):
                while not job.finished:
                    change = job.next_change()
                    if on_progress is not None:
                        await on_progress(job)
                    await change.wait()
        except anyio.get_cancelled_exc_class():
            job.cancel_requested = True
            raise


class ProgressForwarder:
    """Sends `notifications/progress` for a job's changes, each with a larger progress value."""

    def __init__(self, send: Callable[[float, float | None, str | None], Awaitable[None]]) -> None:
        self._send = send
        self._last = -1.0

    async def __call__(self, job: Job) -> None:
        if job.done > self._last:
            self._last = job.done
            await self._send(job.done, job.total, job.message)
