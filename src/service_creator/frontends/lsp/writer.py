"""The Writer port over `workspace/applyEdit`: one labelled, undo-able edit per generation.

- A new file: `CreateFile` and a `TextDocumentEdit` inserting its content.
- A file we wrote before and the user did not change: a full-range `TextDocumentEdit`,
  versioned with the editor's version when the document is open.
- A file the user changed (on disk, per the manifest, or in an open buffer with unsaved
  changes): ours goes beside it as `<name>.new`; the user's file is never touched.
- A rejected edit (`applied: false`) raises WorkspaceError; the manifest is not updated.

Clients without `documentChanges` and `create` resource operations (Neovim, eglot) get the
files written to disk, with the same rules (the manifest, and open buffers with unsaved
changes); a file open in such an editor is replaced in its buffer, with a plain `changes` edit.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path

from service_creator.domain.errors import WorkspaceError
from service_creator.domain.project import GeneratedFile, WriteResult
from service_creator.domain.workspace_path import WorkspacePath
from service_creator.operations.writing import ChangePlanner, PlannedChange

if TYPE_CHECKING:
    from pygls.workspace import TextDocument

    from service_creator.domain.ports import Writer
    from service_creator.frontends.lsp.server import ServiceCreatorServer

log = logging.getLogger(__name__)

BUFFER_CATCH_UP_SECONDS = 10.0  # an edit applied in a buffer, until the editor reports it


def writer_for(ls: ServiceCreatorServer, workspace: WorkspacePath) -> Writer:
    return LspWriter(ls, ChangePlanner(workspace), through_editor=ls.state.support.apply_edit)


class LspWriter:
    """Plans with the manifest and the editor's open buffers, then writes through the editor
    (`workspace/applyEdit`) or, for clients that cannot create files that way, to disk."""

    def __init__(
        self, ls: ServiceCreatorServer, planner: ChangePlanner, *, through_editor: bool = True
    ) -> None:
        self.ls = ls
        self.planner = planner
        self.through_editor = through_editor

    async def apply(self, files: list[GeneratedFile], label: str) -> WriteResult:
        plan = await asyncio.to_thread(self.planner.plan, list(files))
        plan = [self._respect_open_buffer(change) for change in plan]
        changes = [c for c in plan if c.action != "unchanged"]
        if not self.through_editor:
            return await self._write_to_disk(plan, changes, label)
        if changes:
            edit = types.WorkspaceEdit(
                document_changes=[e for c in changes for e in self._edits(c)]
            )
            result = await self.ls.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=edit, label=label)
            )
            if not result.applied:
                raise WorkspaceError(
                    f"The editor did not apply the generated files: "
                    f"{result.failure_reason or 'no reason given'}",
                    hint="save or close the files being generated, then generate again",
                )
        recorded = await asyncio.to_thread(self.planner.record, plan)
        log.info("applied %d change(s) through the editor for %r", len(changes), label)
        return recorded

    async def _write_to_disk(
        self, plan: list[PlannedChange], changes: list[PlannedChange], label: str
    ) -> WriteResult:
        """Files to disk; but a file open in the editor (its buffer saved, or ours would have
        gone beside it) is replaced in its buffer when the client applies edits at all
        (`changes`, which every such client takes): a buffer is not reloaded from disk by
        every editor, and the sandbox tests what the buffers hold."""
        in_buffers: list[PlannedChange] = []
        caps = self.ls.client_capabilities
        if caps.workspace and caps.workspace.apply_edit:
            in_buffers = [c for c in changes if self._open_document(c.target) is not None]
        in_buffer_ids = {id(c) for c in in_buffers}
        await asyncio.to_thread(self.planner.write, [c for c in plan if id(c) not in in_buffer_ids])
        if in_buffers:
            edits: dict[str, list[types.TextEdit]] = {}
            for change in in_buffers:
                (edit,) = self._edits(change)
                assert isinstance(edit, types.TextDocumentEdit)
                edits[edit.text_document.uri] = [
                    e for e in edit.edits if isinstance(e, types.TextEdit)
                ]
            result = await self.ls.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=types.WorkspaceEdit(changes=edits), label=label)
            )
            if not result.applied:
                raise WorkspaceError(
                    f"The editor did not apply the generated files to the open buffers: "
                    f"{result.failure_reason or 'no reason given'}",
                    hint="save or close the files being generated, then generate again",
                )
            await self._caught_up(in_buffers)
        log.info(
            "wrote %d file(s) to disk and %d to open buffers for %r",
            len(changes) - len(in_buffers),
            len(in_buffers),
            label,
        )
        return await asyncio.to_thread(self.planner.record, plan)

    async def _caught_up(self, changes: list[PlannedChange]) -> None:
        """eglot answers an edit as applied before it sends the buffer's `didChange` (when
        idle): wait, bounded, until the server's copies show the edit, so that what runs next
        (the sandbox) sees the new text."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUFFER_CATCH_UP_SECONDS
        behind = [c for c in changes if not self._shows(c)]
        while behind and loop.time() < deadline:
            await asyncio.sleep(0.02)
            behind = [c for c in behind if not self._shows(c)]
        if behind:
            log.warning("the editor did not report the edit of %s", [c.path for c in behind])

    def _shows(self, change: PlannedChange) -> bool:
        doc = self._open_document(change.target)
        return doc is None or doc.source == change.content

    def _open_document(self, path: Path) -> TextDocument | None:
        uri = from_fs_path(str(path))
        return self.ls.workspace.text_documents.get(uri) if uri else None

    def _respect_open_buffer(self, change: PlannedChange) -> PlannedChange:
        """An open buffer with unsaved changes is the user's: treat it like a changed file."""
        if change.action == "conflict":
            return change
        doc = self._open_document(change.target)
        if doc is None:
            return change
        if doc.source == change.content:
            return change.model_copy(update={"action": "unchanged"})
        on_disk = read_as_editor(change.target)
        if on_disk is None or doc.source != on_disk:
            log.info("%s has unsaved changes; ours goes beside it", change.path)
            return self.planner.beside(change)
        return change

    def _edits(self, change: PlannedChange) -> list[types.CreateFile | types.TextDocumentEdit]:
        uri = from_fs_path(str(change.target))
        assert uri is not None
        doc = self._open_document(change.target)
        if doc is not None:
            return [self._replace_all(uri, doc.version, doc.source, change.content)]
        current = read_as_editor(change.target)
        if current is None:
            return [
                types.CreateFile(
                    uri=uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True)
                ),
                _insert(uri, change.content),
            ]
        return [self._replace_all(uri, None, current, change.content)]

    def _replace_all(
        self, uri: str, version: int | None, old: str, new: str
    ) -> types.TextDocumentEdit:
        start = types.Position(line=0, character=0)
        end = end_position(old, self.ls.workspace.position_codec.client_num_units)
        return types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
            edits=[types.TextEdit(range=types.Range(start=start, end=end), new_text=new)],
        )


def read_as_editor(path: Path) -> str | None:
    """A file's text as an editor holds it (line endings kept); None when it does not exist."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:  # keep \r\n as the editor does
            return handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"could not read {path}: {exc}") from exc


def _insert(uri: str, content: str) -> types.TextDocumentEdit:
    start = types.Position(line=0, character=0)
    return types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
        edits=[types.TextEdit(range=types.Range(start=start, end=start), new_text=content)],
    )


def end_position(text: str, units: Callable[[str], int]) -> types.Position:
    """The position just past the last character; `units` counts a line's client code units."""
    lines = text.split("\n")
    return types.Position(line=len(lines) - 1, character=units(lines[-1]))


def line_edits(old: str, new: str, units: Callable[[str], int]) -> list[tuple[types.Range, str]]:
    """The line-wise edits that turn `old` into `new` (difflib's opcodes), in order and not
    overlapping: an editor's preview and undo then show what changed, not the whole file."""
    before, after = _lines(old), _lines(new)

    def position(index: int) -> types.Position:
        if index >= len(before):
            return end_position(old, units)
        return types.Position(line=index, character=0)

    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return [
        (types.Range(start=position(i1), end=position(i2)), "".join(after[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _lines(text: str) -> list[str]:
    """The lines with their `\\n` (split on `\\n` only: the editor's line numbers)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
