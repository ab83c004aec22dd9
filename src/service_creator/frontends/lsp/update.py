"""`serviceCreator.changeRequirement`: change one answer after generation, in the editor.

The command asks which answer (the interview's answered questions, each showing its answer
now) and the new one through the interview's prompts (`LspAsker`); answers the change no longer
fits are asked again the same way. With `questionId` and `answer` in its argument it asks
nothing. The update goes out as ONE `workspace/applyEdit` (`EditorUpdateWriter`) whose change
annotations say what happened to each file; a file holding the user's edits (merged, or with
conflict markers) needs confirmation, so VS Code shows its refactor preview; each file's edits
are line-wise (`writer.line_edits`), so the preview shows the lines that change. A refused edit
records nothing (no history, base, manifest or session change) and is reported as an error.
Conflicts are written with markers by default (`conflicts: "new"` keeps them beside as
`.new`); each marked region is a diagnostic with code actions (conflicts.py).

A client that cannot create files through edits gets the files on disk (`BufferedDiskWriter`);
those open in its buffers are then replaced there too, with a plain `changes` edit, when it
applies edits at all. Whatever the client, a file to update with unsaved changes in the editor
stops the update before anything is written (the merge is made with what is on disk).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from lsprotocol import types
from pydantic import Field
from pygls.uris import from_fs_path

from service_creator.domain.requirements import AnswerValue
from service_creator.frontends.lsp import conflicts
from service_creator.frontends.lsp.asker import LspAsker
from service_creator.frontends.lsp.convert import encode
from service_creator.frontends.lsp.diagnostics import TESTS
from service_creator.frontends.lsp.progress import LspProgress
from service_creator.frontends.lsp.writer import line_edits, read_as_editor
from service_creator.operations.io import SessionRef, UpdateInput, UpdateOutput
from service_creator.operations.update import (
    DiskWriter,
    FileWrite,
    UpdateNotApplied,
    UpdateWriter,
    WriteKind,
    update_service,
)
from service_creator.operations.update_answers import ask_change

if TYPE_CHECKING:
    from service_creator.domain.config import Settings
    from service_creator.frontends.lsp.server import Job, ServiceCreatorServer

log = logging.getLogger(__name__)

ANNOTATIONS: dict[WriteKind, types.ChangeAnnotation] = {
    "regenerated": types.ChangeAnnotation(
        label="Regenerated",
        description="You had not edited it: the new generation replaces it",
        needs_confirmation=False,
    ),
    "merged": types.ChangeAnnotation(
        label="Merged with your edits",
        description="Your edits and the new generation, merged three ways",
        needs_confirmation=True,
    ),
    "conflict": types.ChangeAnnotation(
        label="Conflicts marked in your file",
        description="You and the generator changed the same lines: resolve each marked region",
        needs_confirmation=True,
    ),
    "beside": types.ChangeAnnotation(
        label="New generation beside your file",
        description="Your file conflicts with the new generation: ours is kept beside it",
        needs_confirmation=False,
    ),
}


class ChangeRequirementArgs(SessionRef):
    """`serviceCreator.changeRequirement`'s argument; without `questionId` the editor asks."""

    question_id: str | None = Field(
        default=None, description="The question whose answer changes (default: asked)"
    )
    answer: AnswerValue | None = Field(default=None, description="Its new answer (default: asked)")
    conflicts: Literal["new", "markers"] = Field(
        default="markers",
        description="Where a conflicting merge goes: into your file with conflict markers "
        "(default in the editor: each region a diagnostic with code actions), or beside as .new",
    )


async def change_requirement(
    ls: ServiceCreatorServer, inp: ChangeRequirementArgs, settings: Settings, job: Job
) -> Any:
    asker = LspAsker(ls, job)
    answers: dict[str, AnswerValue] | None
    if inp.question_id is not None and inp.answer is not None:
        answers = {inp.question_id: inp.answer}
    else:
        answers = await ask_change(inp, settings, asker)
    if answers is None:
        ls.status("Requirement unchanged", tooltip="the change was dismissed")
        return None
    update = UpdateInput(
        workspace=inp.workspace,
        session_id=inp.session_id,
        answers=answers,
        conflicts=inp.conflicts,
    )
    try:
        async with LspProgress(ls, job, "Service Creator: changing a requirement") as progress:
            output = await update_service(
                update, settings, progress, asker, writer=update_writer_for(ls)
            )
            progress.end_message = summary(output)
    except UpdateNotApplied:
        ls.status("Requirement unchanged", tooltip="the editor did not apply the update")
        raise
    show(ls, inp.workspace.path, output)
    return encode(output)


def show(ls: ServiceCreatorServer, root: Path, output: UpdateOutput) -> None:
    """The regenerated files' test failures dropped, the marked files' regions shown."""
    changed = [f.path for f in output.files if f.status != "untouched"]
    ls.diagnostics.forget_files(root, TESTS, changed)
    marked = [f.path for f in output.files if f.status == "conflict" and f.kept_as is None]
    conflicts.track(ls, root, marked)
    text = "Requirement changed: " + ", ".join(output.changed) if output.changed else None
    ls.status(
        text or "Requirement unchanged", tooltip=summary(output), session_id=output.session_id
    )


def summary(output: UpdateOutput) -> str:
    counts: dict[str, int] = {}
    for file in output.files:
        counts[file.status] = counts.get(file.status, 0) + 1
    order = ("regenerated", "merged", "conflict", "untouched")
    return ", ".join(f"{counts[s]} {s}" for s in order if s in counts) or "no files"


def update_writer_for(ls: ServiceCreatorServer) -> UpdateWriter:
    return EditorUpdateWriter(ls) if ls.state.support.apply_edit else BufferedDiskWriter(ls)


def refuse_unsaved(ls: ServiceCreatorServer, root: Path, files: list[FileWrite]) -> None:
    """Stop the update, writing nothing, when a file it writes has unsaved changes."""
    for file in files:
        doc = ls.workspace.text_documents.get(from_fs_path(str(root / file.path)) or "")
        if doc is not None and doc.source != (read_as_editor(root / file.path) or ""):
            raise UpdateNotApplied(
                f"{file.path} has unsaved changes in the editor",
                hint="save it (the update merges what is on disk), then change the requirement "
                "again; nothing was changed",
            )


class BufferedDiskWriter:
    """The files to disk; those open in the editor's buffers replaced there too."""

    def __init__(self, ls: ServiceCreatorServer) -> None:
        self.ls = ls

    async def write(self, root: Path, files: list[FileWrite], label: str) -> None:
        refuse_unsaved(self.ls, root, files)
        await DiskWriter().write(root, files, label)
        caps = self.ls.client_capabilities
        if not (caps.workspace and caps.workspace.apply_edit):
            return
        units = self.ls.workspace.position_codec.client_num_units
        edits: dict[str, list[types.TextEdit]] = {}
        for file in files:
            uri = from_fs_path(str(root / file.path)) or ""
            doc = self.ls.workspace.text_documents.get(uri)
            if doc is not None:
                edits[uri] = [
                    types.TextEdit(range=where, new_text=text)
                    for where, text in line_edits(doc.source, file.text, units)
                ]
        if not edits:
            return
        result = await self.ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(
                edit=types.WorkspaceEdit(changes=edits), label=f"Service Creator: {label}"
            )
        )
        if not result.applied:  # the files are written: the buffers are behind, not lost
            self.ls.show_warning(
                "Service Creator updated files open in the editor, which did not take the new "
                "text into their buffers; reload them from disk"
            )


class EditorUpdateWriter:
    """The whole update as one annotated `workspace/applyEdit`."""

    def __init__(self, ls: ServiceCreatorServer) -> None:
        self.ls = ls

    async def write(self, root: Path, files: list[FileWrite], label: str) -> None:
        if not files:
            return
        refuse_unsaved(self.ls, root, files)
        annotated = self._annotations_supported()
        changes = [c for file in files for c in self._changes(root, file, annotated)]
        used: dict[str, types.ChangeAnnotation] = {f.kind: ANNOTATIONS[f.kind] for f in files}
        edit = types.WorkspaceEdit(
            document_changes=changes, change_annotations=used if annotated else None
        )
        result = await self.ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=f"Service Creator: {label}")
        )
        if not result.applied:
            raise UpdateNotApplied(
                f"The editor did not apply the update: {result.failure_reason or 'refused'}",
                hint="nothing was changed or recorded; change the requirement again to retry",
            )
        log.info("applied the update of %d file(s) through the editor", len(files))

    def _annotations_supported(self) -> bool:
        workspace = self.ls.client_capabilities.workspace
        edit = workspace.workspace_edit if workspace else None
        return bool(edit and edit.change_annotation_support is not None)

    def _changes(
        self, root: Path, file: FileWrite, annotated: bool
    ) -> list[types.CreateFile | types.TextDocumentEdit]:
        path = root / file.path
        uri = from_fs_path(str(path))
        assert uri is not None
        annotation = file.kind if annotated else None
        doc = self.ls.workspace.text_documents.get(uri)
        old = file.before
        changes: list[types.CreateFile | types.TextDocumentEdit] = []
        if old is None:
            changes.append(
                types.CreateFile(
                    uri=uri,
                    options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True),
                    annotation_id=annotation,
                )
            )
        units = self.ls.workspace.position_codec.client_num_units
        text_edits: list[types.TextEdit | types.AnnotatedTextEdit] = [
            types.AnnotatedTextEdit(range=where, new_text=text, annotation_id=annotation)
            if annotation is not None
            else types.TextEdit(range=where, new_text=text)
            for where, text in line_edits(old or "", file.text, units)
        ]
        version = doc.version if doc is not None else None
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=version
                ),
                edits=text_edits,
            )
        )
        return changes
