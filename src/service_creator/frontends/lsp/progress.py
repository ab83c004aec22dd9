"""The Progress port over work-done progress: create, begin, report, end; cancellable.

A run stops when the client cancels the progress (`window/workDoneProgress/cancel`) or the
request (`$/cancelRequest`); both set the command's `Job`. Without client support for
work-done progress, reports go nowhere but cancellation by request still works.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from concurrent.futures import Future
from types import TracebackType
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.exceptions import JsonRpcException

if TYPE_CHECKING:
    from service_creator.frontends.lsp.server import Job, ServiceCreatorServer

log = logging.getLogger(__name__)


class LspProgress:
    def __init__(self, ls: ServiceCreatorServer, job: Job, title: str) -> None:
        self.ls = ls
        self.job = job
        self.title = title
        self.token: str | None = None
        self.end_message = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None

    async def __aenter__(self) -> LspProgress:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        if not self.ls.state.support.work_done_progress:
            return self
        token = f"service-creator/{uuid.uuid4().hex[:12]}"
        try:
            await self.ls.work_done_progress.create_async(token)
        except JsonRpcException as exc:  # the client refused: carry on without a progress bar
            log.warning("window/workDoneProgress/create failed: %s", exc)
            return self
        self.token = token
        self.ls.work_done_progress.tokens[token].add_done_callback(self._on_client_cancel)
        self.ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(title=self.title, cancellable=True, percentage=0),
        )
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.token is None:
            return
        if self.job.cancelled:
            message = "Cancelled"
        elif exc is not None:
            message = "Failed"
        else:
            message = self.end_message or "Done"
        token, self.token = self.token, None
        self.ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))
        self.ls.work_done_progress.tokens.pop(token, None)

    def _on_client_cancel(self, future: Future) -> None:
        if future.cancelled() and self._loop is not None:
            self._loop.call_soon_threadsafe(self.job.cancel)

    # --- the Progress port ------------------------------------------------------------------

    def report(self, done: int, total: int | None, message: str) -> None:
        if self.token is None or self._loop is None:
            return
        if threading.get_ident() == self._loop_thread:
            self._send(done, total, message)
        else:  # the sandbox may report from a worker thread
            self._loop.call_soon_threadsafe(self._send, done, total, message)

    @property
    def cancelled(self) -> bool:
        return self.job.cancelled

    def _send(self, done: int, total: int | None, message: str) -> None:
        if self.token is None:
            return
        percentage = min(100, int(100 * done / total)) if total else None
        text = f"{done}/{total} {message}" if total else message
        self.ls.work_done_progress.report(
            self.token, types.WorkDoneProgressReport(message=text, percentage=percentage)
        )
