"""An editor that talks to the language server under test (spawned over stdio).

`Editor` plays the user's editor: it answers prompts from preferences (a list of action titles
it would click, and `serviceCreator/ask` answers by question id), applies workspace edits to
the files like an editor that saves them (checking document versions), keeps the documents it
opened in sync with the server, and records what the server sent. Tests wait on events (a
notification, a request from the server), never on fixed sleeps; every wait has a bound.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient

SERVER_COMMAND = [sys.executable, "-m", "service_creator", "lsp"]
WAIT = 60.0  # seconds: the bound on any single wait (the suite never sleeps)

# The answers a user gives in these tests (the CLI demo's answers; see operations/scripted.py).
ASK_ANSWERS: dict[str, Any] = {
    "service_name": "vfirewall-ftd",
    "vendors": ["Cisco"],
    "features": ["traffic_filtering", "nat"],
    "price": 49,
    "api_docs_url": "",
    "auth_methods": ["api_key", "jwt"],
    "logging": ["json", "prometheus"],
}
# The action titles the user clicks when offered (otherwise the first action).
PREFERRED_TITLES = [
    "vFirewall",
    "Cisco",
    "Monthly",
    "REST",
    "Traffic filtering",
    "API key",
    "JSON logs",
    "Both",
    "Yes",
]


def server_config() -> ClientServerConfig:
    env = {**os.environ, "SERVICE_CREATOR_MODEL": "offline"}
    env.pop("SERVICE_CREATOR_LOG_LEVEL", None)
    return ClientServerConfig(server_command=SERVER_COMMAND, server_env=env)


@dataclass
class OpenDocument:
    uri: str
    text: str
    version: int


@dataclass
class Editor:
    client: LanguageClient
    root: Path
    preferred: list[str] = field(default_factory=lambda: list(PREFERRED_TITLES))
    ask_answers: dict[str, Any] = field(default_factory=lambda: dict(ASK_ANSWERS))
    dismiss_when: Callable[[str], bool] = lambda message: False
    apply_edits: bool = True
    message_requests: list[types.ShowMessageRequestParams] = field(default_factory=list)
    asked: list[dict[str, Any]] = field(default_factory=list)
    edits: list[types.ApplyWorkspaceEditParams] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    documents: dict[str, OpenDocument] = field(default_factory=dict)
    events: dict[str, asyncio.Event] = field(default_factory=dict)
    initialized: types.InitializeResult | None = None
    hold: asyncio.Event | None = None  # holds prompts (showMessageRequest, ask) until set
    hold_edits: asyncio.Event | None = None  # holds workspace/applyEdit answers until set

    # --- waiting -------------------------------------------------------------------------

    def event(self, name: str) -> asyncio.Event:
        return self.events.setdefault(name, asyncio.Event())

    def _fire(self, name: str) -> None:
        self.event(name).set()

    async def wait(self, name: str, timeout: float = WAIT) -> None:
        await asyncio.wait_for(self.event(name).wait(), timeout)

    # --- what the server asks ------------------------------------------------------------

    async def show_message_request(self, params: types.ShowMessageRequestParams) -> Any:
        self.message_requests.append(params)
        self._fire("showMessageRequest")
        if self.hold is not None:  # the user looks away: the prompt stays up until released
            await self.hold.wait()
        if self.dismiss_when(params.message):
            return None
        titles = [a.title for a in params.actions or []]
        title = next((t for t in self.preferred if t in titles), titles[0] if titles else None)
        return types.MessageActionItem(title=title) if title else None

    async def ask(self, params: Any) -> Any:
        question = _plain(params)
        self.asked.append(question)
        self._fire("ask")
        if self.hold is not None:  # the user looks away: the prompt stays up until released
            await self.hold.wait()
        if self.dismiss_when(question["text"]):
            return None
        if question["id"] in self.ask_answers:
            return self.ask_answers[question["id"]]
        return self._pick(question)

    def _pick(self, question: dict[str, Any]) -> Any:
        """A choice the way the message-request user makes it: the preferred title offered."""
        if question["kind"] == "confirm":
            return "Yes" in self.preferred
        if question["kind"] == "single_select":
            by_label = {o["label"]: o["id"] for o in question["options"]}
            chosen = next((t for t in self.preferred if t in by_label), None)
            if chosen is not None:
                return by_label[chosen]
        return question.get("default")

    def apply_edit(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        self.edits.append(params)
        self._fire("applyEdit")
        if not self.apply_edits:
            return types.ApplyWorkspaceEditResult(applied=False, failure_reason="refused by test")
        try:
            for change in params.edit.document_changes or []:
                self._apply_change(change)
            for uri, edits in (params.edit.changes or {}).items():  # a plain `changes` edit
                document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None)
                self._apply_change(types.TextDocumentEdit(text_document=document, edits=edits))
        except ValueError as exc:
            return types.ApplyWorkspaceEditResult(applied=False, failure_reason=str(exc))
        return types.ApplyWorkspaceEditResult(applied=True)

    def _apply_change(self, change: Any) -> None:
        if isinstance(change, types.CreateFile):
            path = Path(to_fs_path(change.uri) or "")
            options = change.options or types.CreateFileOptions()
            if path.exists() and not options.overwrite:
                if options.ignore_if_exists:
                    return
                raise ValueError(f"{path} exists")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("", encoding="utf-8")
            return
        assert isinstance(change, types.TextDocumentEdit), change
        uri = change.text_document.uri
        doc = self.documents.get(uri)
        version = change.text_document.version
        if doc is not None and version is not None and version != doc.version:
            raise ValueError(f"{uri} is at version {doc.version}, the edit is for {version}")
        path = Path(to_fs_path(uri) or "")
        text = doc.text if doc is not None else _read(path)
        for edit in sorted(change.edits, key=lambda e: _key(e.range.start), reverse=True):
            start, end = _offset(text, edit.range.start), _offset(text, edit.range.end)
            text = text[:start] + edit.new_text + text[end:]
        if doc is not None:
            self.change(uri, text)
        path.write_text(text, encoding="utf-8", newline="")  # an editor that saves

    def status(self, params: Any) -> None:
        self.statuses.append(_plain(params))
        self._fire("status")

    # --- what the user does --------------------------------------------------------------

    def uri(self, relative: str) -> str:
        return from_fs_path(str(self.root / relative)) or ""

    def open(self, relative: str, text: str | None = None) -> str:
        uri = self.uri(relative)
        text = _read(self.root / relative) if text is None else text
        self.documents[uri] = OpenDocument(uri, text, 1)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=text
                )
            )
        )
        return uri

    def change(self, uri: str, text: str) -> None:
        doc = self.documents[uri]
        doc.version += 1
        doc.text = text
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=doc.version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def command(self, name: str, argument: Any = None, **kw: Any) -> Any:
        arguments = [argument] if argument is not None else [{"workspace": str(self.root), **kw}]
        return await asyncio.wait_for(
            self.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=f"serviceCreator.{name}", arguments=arguments)
            ),
            WAIT,
        )

    def progress_kinds(self) -> dict[str, list[str]]:
        return {
            str(token): [getattr(v, "kind", None) for v in values]
            for token, values in self.client.progress_reports.items()
        }


def _plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def _key(position: types.Position) -> tuple[int, int]:
    return position.line, position.character


def _offset(text: str, position: types.Position) -> int:
    """A UTF-16 LSP position as an index into `text`."""
    lines = text.split("\n")
    if position.line >= len(lines):
        return len(text)
    before = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line]
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return before + index
        units += 2 if ord(char) > 0xFFFF else 1
    return before + len(line)


def fix_code_action_results(client: LanguageClient) -> None:
    """lsprotocol 2025.0.0 reads every code action that has a `command` as a `Command`
    (the `command` object turned into a string); a real editor tells them apart by the
    type of `command`, and so does this test client."""
    converter = client.protocol._converter

    def code_action_or_command(obj: Any, _: type) -> Any:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(
        Union[types.Command, types.CodeAction],  # noqa: UP007 - the exact key lsprotocol uses
        code_action_or_command,
    )


async def start_editor(
    client: LanguageClient,
    root: Path,
    capabilities: types.ClientCapabilities,
    *,
    ask_request: bool,
) -> Editor:
    editor = Editor(client, root)

    # pygls registers functions, not bound methods
    async def show_message_request(params: types.ShowMessageRequestParams) -> Any:
        return await editor.show_message_request(params)

    client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)(show_message_request)

    async def apply_edit(params: types.ApplyWorkspaceEditParams) -> Any:
        if editor.hold_edits is not None:  # the editor is busy: the server waits for it
            await editor.hold_edits.wait()
        return editor.apply_edit(params)

    client.feature(types.WORKSPACE_APPLY_EDIT)(apply_edit)

    async def ask(params: Any) -> Any:
        return await editor.ask(params)

    client.feature("serviceCreator/ask")(ask)
    client.feature("serviceCreator/status")(lambda p: editor.status(p))
    fix_code_action_results(client)
    editor.initialized = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options={"askRequest": True} if ask_request else None,
        )
    )
    return editor
