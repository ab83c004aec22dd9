"""The server with every feature registered: lifecycle, the `serviceCreator.*` commands, code
actions, code lenses, hovers, and the merge-conflict regions followed as documents change.

Start-up imports pygls and the protocol side of this package only. commands.py, and through it
pydantic and the operations, load through one seam (`_commands`) on the first command, or in a
worker thread once the client says `initialized`, so spawning the server costs about what bare
pygls costs.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

from lsprotocol import types

from service_creator import operations
from service_creator.frontends.lsp import conflicts
from service_creator.frontends.lsp.actions import actions_for, lenses_for
from service_creator.frontends.lsp.diagnostics import hover_for
from service_creator.frontends.lsp.server import ServiceCreatorServer

# each command's handler in commands.py; its id is `serviceCreator.<name in camelCase>`
COMMANDS = (
    "start_interview",
    "answer_question",
    "show_session",
    "generate",
    "run_tests",
    "run_test",
    "fix_failure",
    "change_requirement",
)


def command_id(name: str) -> str:
    head, *rest = name.split("_")
    return "serviceCreator." + head + "".join(word.title() for word in rest)


def _warm_imports() -> None:
    """Load what the first command needs, off the event loop, while the user looks around."""
    _commands()
    operations.load_all()


def _commands() -> ModuleType:
    """commands.py: the server's one lazy seam. It (pydantic, the operations' models) loads on
    the first command, or when warmed, not at start-up."""
    from service_creator.frontends.lsp import commands

    return commands


def _command(name: str) -> Any:
    """The command's handler, in commands.py (through the seam)."""

    async def handler(ls: ServiceCreatorServer, *arguments: Any) -> Any:
        return await getattr(_commands(), name)(ls, *arguments)

    handler.__name__ = handler.__qualname__ = name
    return handler


def build_server() -> ServiceCreatorServer:
    """The server with every feature registered; feature modules load on first use."""
    server = ServiceCreatorServer()

    @server.feature(types.INITIALIZE)
    def on_initialize(ls: ServiceCreatorServer, params: types.InitializeParams) -> None:
        ls.learn_client(params)

    @server.feature(types.INITIALIZED)
    def on_initialized(ls: ServiceCreatorServer, params: types.InitializedParams) -> None:
        threading.Thread(target=_warm_imports, name="warm-imports", daemon=True).start()

    @server.feature(types.SHUTDOWN)
    def on_shutdown(ls: ServiceCreatorServer, params: None) -> None:
        ls.cancel_jobs()

    for name in COMMANDS:
        server.command(command_id(name))(_command(name))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_actions(
        ls: ServiceCreatorServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        uri, diagnostics = params.text_document.uri, params.context.diagnostics
        found = [*conflicts.actions_for(ls, uri, diagnostics), *actions_for(ls, uri, diagnostics)]
        return found or None

    # a file an update marked with conflicts: its regions follow the user's edits
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ServiceCreatorServer, params: types.DidOpenTextDocumentParams) -> None:
        conflicts.opened(ls, params.text_document.uri, params.text_document.text)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ServiceCreatorServer, params: types.DidChangeTextDocumentParams) -> None:
        conflicts.refresh(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ServiceCreatorServer, params: types.DidSaveTextDocumentParams) -> None:
        conflicts.refresh(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    def code_lens(ls: ServiceCreatorServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        return lenses_for(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: ServiceCreatorServer, params: types.HoverParams) -> types.Hover | None:
        return hover_for(ls.diagnostics, params.text_document.uri, params.position.line)

    return server
