"""The LanguageServer subclass: its typed state, cancellation, settings and client messages.

The commands, code actions and ports take this server as an argument and are not imported here:
features.py registers them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import to_fs_path

from service_creator import __version__
from service_creator.domain.workspace_path import WorkspacePath, workspace_path
from service_creator.frontends.lsp.diagnostics import DiagnosticsStore

log = logging.getLogger(__name__)

NAME = "service-creator"
CONFIG_SECTION = "serviceCreator"
ASK_REQUEST = "serviceCreator/ask"
STATUS_NOTIFICATION = "serviceCreator/status"


class Job:
    """One running command: cancelled by `$/cancelRequest` or by its work-done progress."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._cancelled = asyncio.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        if not self._cancelled.is_set():
            log.info("cancelling %s", self.name)
            self._cancelled.set()

    async def race(self, awaitable: Any) -> Any:
        """The awaitable's result, or None as soon as the job is cancelled."""
        work = asyncio.ensure_future(awaitable)
        stop = asyncio.ensure_future(self._cancelled.wait())
        try:
            await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if work.done():
            return work.result()
        work.cancel()
        return None


class ServiceCreatorProtocol(LanguageServerProtocol):
    """pygls's protocol, telling our jobs about `$/cancelRequest`.

    pygls runs a command handler behind the `workspace/executeCommand` request, so cancelling
    that request answers the client but does not reach the running handler. This does.
    """

    _server: ServiceCreatorServer

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        job = self._server.jobs.get(msg_id)
        if job is not None:
            job.cancel()
        super()._handle_cancel_notification(msg_id)


@dataclass
class ClientSupport:
    """What the connected client can do, decided once at `initialize`."""

    ask_request: bool = False
    apply_edit: bool = False
    work_done_progress: bool = False
    configuration: bool = False


@dataclass
class State:
    support: ClientSupport = field(default_factory=ClientSupport)
    settings_overrides: dict[str, Any] = field(default_factory=dict)
    busy: set[str] = field(default_factory=set)
    warned: set[str] = field(default_factory=set)


class ServiceCreatorServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            NAME,
            __version__,
            protocol_cls=ServiceCreatorProtocol,
        )
        self.state = State()
        self.jobs: dict[Any, Job] = {}
        self._diagnostics: DiagnosticsStore | None = None

    # --- state -----------------------------------------------------------------------------

    @property
    def diagnostics(self) -> DiagnosticsStore:
        if self._diagnostics is None:
            self._diagnostics = DiagnosticsStore(self)
        return self._diagnostics

    def default_workspace(self) -> str | None:
        """The first workspace folder, else the root: where a command without one works."""
        try:
            workspace = self.workspace
        except RuntimeError:  # not initialized
            return None
        folders = list(workspace.folders.values())
        uri = folders[0].uri if folders else workspace.root_uri
        return to_fs_path(uri) if uri else None

    def workspace_roots(self) -> list[Path]:
        uris = [f.uri for f in self.workspace.folders.values()] or [self.workspace.root_uri]
        paths = (to_fs_path(uri) for uri in uris if uri)
        return [Path(p).resolve() for p in paths if p]

    def resolve_workspace(self, raw: str, *, create: bool = False) -> WorkspacePath:
        """A command's workspace, refused outside the client's workspace folders (a client
        that shares none, editing loose files, may name any folder). A relative path is
        taken inside the first folder; `create` makes a missing folder (an interview)."""
        return workspace_path(
            raw,
            roots=self.workspace_roots() or None,
            create=create,
            where="the editor's workspace folders",
        )

    def start_job(self, name: str) -> Job:
        job = Job(name)
        msg_id = self.protocol.msg_id
        if msg_id is not None:
            self.jobs[msg_id] = job
        return job

    def end_job(self, job: Job) -> None:
        for key in [k for k, v in self.jobs.items() if v is job]:
            del self.jobs[key]

    def cancel_jobs(self) -> None:
        """Stop every running generation and sandbox run (the client is shutting down)."""
        for job in list(self.jobs.values()):
            job.cancel()

    def learn_client(self, params: types.InitializeParams) -> None:
        """Decide once, at `initialize`, what the client can do."""
        self.state.support = _client_support(params)
        log.info("client support: %s", self.state.support)

    async def configuration_section(self) -> dict[str, Any]:
        """The editor's `serviceCreator` section, asked again each time (the user may have
        changed it); the last one known when the client fails to answer."""
        if self.state.support.configuration:
            try:
                answer = await self.workspace_configuration_async(
                    types.ConfigurationParams(
                        items=[types.ConfigurationItem(section=CONFIG_SECTION)]
                    )
                )
                self.state.settings_overrides = _as_dict(answer[0] if answer else None)
            except JsonRpcException as exc:  # the client failed to answer: keep the last known
                log.warning("workspace/configuration failed: %s", exc)
        return self.state.settings_overrides

    def warn_once(self, message: str) -> None:
        if message not in self.state.warned:
            self.state.warned.add(message)
            self.show_warning(message)

    # --- messages to the client ------------------------------------------------------------

    def status(
        self,
        text: str,
        tooltip: str | None = None,
        session_id: str | None = None,
        *,
        resumable: bool = False,
    ) -> None:
        """`serviceCreator/status`; `resumable`: an interview waits for the user to go on."""
        params: dict[str, str | bool] = {"text": text}
        if tooltip:
            params["tooltip"] = tooltip
        if session_id:
            params["sessionId"] = session_id
        if resumable:
            params["resumable"] = True
        self.protocol.notify(STATUS_NOTIFICATION, params)

    def show_warning(self, message: str) -> None:
        self.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=message)
        )


def _as_dict(value: Any) -> dict[str, Any]:
    """A configuration answer as plain dicts (pygls may hand custom JSON over as namedtuples)."""
    if isinstance(value, dict):
        return {k: _as_value(v) for k, v in value.items()}
    if hasattr(value, "_asdict"):
        return {k: _as_value(v) for k, v in value._asdict().items()}
    return {}


def _as_value(value: Any) -> Any:
    if isinstance(value, dict) or hasattr(value, "_asdict"):
        return _as_dict(value)
    if isinstance(value, list):
        return [_as_value(v) for v in value]
    return value


def _client_support(params: types.InitializeParams) -> ClientSupport:
    caps = params.capabilities
    options = params.initialization_options
    experimental = caps.experimental
    asks = _as_dict(options).get("askRequest") is True or (
        _as_dict(experimental).get("serviceCreatorAsk") is True
    )
    workspace = caps.workspace
    edit = workspace.workspace_edit if workspace else None
    return ClientSupport(
        ask_request=asks,
        apply_edit=bool(
            workspace
            and workspace.apply_edit
            and edit
            and edit.document_changes
            and types.ResourceOperationKind.Create in (edit.resource_operations or [])
        ),
        work_done_progress=bool(caps.window and caps.window.work_done_progress),
        configuration=bool(workspace and workspace.configuration),
    )
