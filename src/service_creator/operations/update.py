"""The update operation: change answers after generation, regenerate only what they touch, and
merge the new text with the user's edits.

1. The new answers go through the interview (operations/update_answers.py): answers that no
   longer fit are dropped by the question graph and asked again through the `Asker`; without
   one the update fails naming them. The rest are kept.
2. The plan's reads (generation/plan.py `files_touched`) say which files to render again; only
   those are given to the engine, so a model engine makes no call for the others.
3. Each rendered file: unchanged text → untouched; the user's file is still what we generated
   last (its base, or the manifest's hash) → replaced (regenerated); edited → merged three ways;
   a merge that conflicts, or does not compile, goes beside as `.new` (or, asked, into the file
   with markers).
4. Before anything is written, what will change is kept (generation/history.py): `undo_update`
   puts it back.
5. The files go out through an `UpdateWriter`: to disk (the CLI, MCP), or as one edit an editor
   applies (the LSP). An edit the editor refuses (`UpdateNotApplied`) drops the snapshot and
   records nothing: no base, manifest, seal or session changes.
6. The diff of each changed file is kept with the snapshot (`update_diffs` reads the last
   update's), so the MCP server can show what the update changed after further edits.
"""

from __future__ import annotations

import asyncio
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from service_creator.domain.atomic import atomic_write
from service_creator.domain.config import Settings
from service_creator.domain.errors import (
    GenerationError,
    WorkspaceError,
)
from service_creator.domain.ports import Asker, NoProgress, Progress
from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.reports import Finding
from service_creator.domain.workspace_path import WorkspacePath
from service_creator.generation.history import (
    discard,
    last_diffs,
    record_diffs,
    seal,
    snapshot,
    undo_last,
)
from service_creator.generation.merge import merge_three
from service_creator.generation.model.engine import ModelEngine
from service_creator.generation.pipeline import Engine, Generation
from service_creator.generation.plan import changed_requirements, files_touched
from service_creator.generation.validate import blocks, validate
from service_creator.generation.workspace import (
    MANIFEST_NAME,
    Workspace,
    base_key,
    sha256_of,
)
from service_creator.interview.interview import Interview
from service_creator.interview.sessions import SESSIONS
from service_creator.operations.generate import engine_for, run_engine
from service_creator.operations.interview import open_session
from service_creator.operations.io import (
    ChangeRequirementInput,
    FileUpdate,
    UpdateInput,
    UpdateOutput,
)
from service_creator.operations.update_answers import answer_again

WriteKind = Literal["regenerated", "merged", "conflict", "beside"]


@dataclass(frozen=True)
class FileWrite:
    """One file an update writes: `kind` conflict is the user's file with markers; beside is
    ours next to the user's file (`.new`)."""

    path: str  # workspace-relative
    text: str
    before: str | None  # the text on disk now; None: the update creates it
    kind: WriteKind


class UpdateNotApplied(WorkspaceError):
    """The writer wrote nothing (an editor refused the edit): the update records nothing."""


class UpdateWriter(Protocol):
    async def write(self, root: Path, files: list[FileWrite], label: str) -> None:
        """Write every file, or raise UpdateNotApplied having written none."""
        ...


class DiskWriter:
    async def write(self, root: Path, files: list[FileWrite], label: str) -> None:
        await asyncio.to_thread(_write_files, root, files)


def _write_files(root: Path, files: list[FileWrite]) -> None:
    site = Workspace(root)
    for file in files:
        atomic_write(site.path(file.path), file.text)


async def update_service(
    inp: UpdateInput,
    settings: Settings,
    progress: Progress,
    asker: Asker | None = None,
    engine: Engine | None = None,
    writer: UpdateWriter | None = None,
) -> UpdateOutput:
    """Change the answers in `inp.answers` and update the generated project (or, with
    `inp.undo`, take the last update back); the files go out through `writer` (to disk by
    default)."""
    if inp.undo:
        return await undo_update(inp, settings)
    workspace = inp.workspace.path
    session, store = await asyncio.to_thread(open_session, inp, settings, create=False)
    interview = Interview(session)
    old = interview.requirements()
    await answer_again(interview, inp.answers, asker)
    new = interview.requirements()
    engine = engine or engine_for(settings, workspace)
    specs = engine.plan(new)
    touched = files_touched(old, new, specs)
    rendering = [spec for spec in specs if spec.path in touched]
    site = Workspace(workspace)
    await asyncio.to_thread(_show_kept_files, engine, site, specs, touched)
    progress.report(0, len(rendering), f"Regenerating {len(rendering)} of {len(specs)} files")
    generation = await run_engine(engine, rendering, new, settings, progress)
    _refuse_partial(generation)
    by_path = {spec.path: spec for spec in specs}
    plans = await asyncio.to_thread(_plan_files, site, generation.files, by_path, inp.conflicts)
    label = f"update {new.service_name}: {', '.join(sorted(changed_requirements(old, new)))}"
    session_file = f"{SESSIONS.split('/', 1)[1]}/{session.id}.json"
    stamp = await _write(site, plans, label, session_file, writer or DiskWriter())
    session.status = "generated"
    await asyncio.to_thread(store.save, session)
    updates = {p.path: p.report for p in plans}
    return UpdateOutput(
        session_id=session.id,
        workspace=str(workspace),
        engine=engine.name,
        changed=sorted(changed_requirements(old, new)),
        files=[
            updates.get(s.path) or FileUpdate(path=s.path, status="untouched", rendered=False)
            for s in specs
        ],
        findings=[*generation.findings, *(f for p in plans for f in p.findings)],
        obsolete=sorted({s.path for s in engine.plan(old)} - by_path.keys()),
        history=stamp,
        notes=store.notes,
    )


async def change_requirement(inp: ChangeRequirementInput, settings: Settings) -> UpdateOutput:
    """One answer changed (and those it makes the interview ask again), the project updated:
    `update_service` for a caller that cannot be asked (the MCP tool)."""
    answers = {inp.question_id: inp.answer, **inp.more_answers}
    update = UpdateInput(
        workspace=inp.workspace,
        session_id=inp.session_id,
        answers=answers,
        conflicts=inp.conflicts,
    )
    return await update_service(update, settings, NoProgress())


def update_diffs(workspace: WorkspacePath) -> dict[str, str]:
    """The last update's unified diff of each file it changed (path -> diff); none without
    an update to undo."""
    return last_diffs(Workspace(workspace.path))


async def undo_update(inp: UpdateInput, settings: Settings) -> UpdateOutput:
    """Put back, byte for byte, what the last update changed (files, bases, the session)."""
    session, _ = await asyncio.to_thread(open_session, inp, settings, create=False)
    undone = await asyncio.to_thread(undo_last, Workspace(inp.workspace.path))
    return UpdateOutput(
        session_id=session.id,
        workspace=str(inp.workspace.path),
        engine="none",
        history=undone.stamp,
        restored=undone.restored,
        deleted=undone.deleted,
        notes=[f"undid {undone.label}"],
    )


def _refuse_partial(generation: Generation) -> None:
    """An update is written whole or not at all: a stopped or cancelled run, or a file withheld
    as invalid, would leave files behind the new answers, and the next update would not know."""
    if generation.cancelled:
        raise GenerationError("the update was cancelled", hint="nothing was written")
    if generation.stopped is not None:
        raise GenerationError(
            f"the update stopped: {generation.stopped.message}", hint="nothing was written"
        )
    if generation.not_written:
        path, why = next(iter(generation.not_written.items()))
        raise GenerationError(
            f"the update could not make a valid {path}: {why}", hint="nothing was written"
        )


def _show_kept_files(
    engine: Engine, site: Workspace, specs: list[FileSpec], touched: set[str]
) -> None:
    """A model engine writes each file against the files it is built on: those not rendered
    again are shown to it as they are in the workspace (the user's edits included)."""
    if not isinstance(engine, ModelEngine):
        return
    for spec in specs:
        if spec.path not in touched and (text := site.read(spec.path)) is not None:
            engine.remember(GeneratedFile(path=spec.path, content=text))


# --- the files -----------------------------------------------------------------------------


@dataclass
class _FilePlan:
    path: str
    report: FileUpdate
    target: str | None = None  # workspace-relative path to write `text` to; None: nothing
    text: str = ""
    base: str | None = None  # the file's new base, when it changes
    ours: bool = False  # record `text` at `target` as ours in the manifest
    findings: list[Finding] = field(default_factory=list[Finding])


def _plan_files(
    site: Workspace, files: list[GeneratedFile], specs: dict[str, FileSpec], conflicts: str
) -> list[_FilePlan]:
    manifest = site.load_manifest()
    plans: list[_FilePlan] = []
    for file in files:
        current = site.current_bytes(file.path)
        base = site.read_base(file.path)
        entry = manifest.files.get(file.path)
        ours = current is not None and (
            (base is not None and current == base.encode())
            or (entry is not None and entry.sha256 == sha256_of(current))
        )
        plans.append(_plan_one(site, file, specs[file.path], current, base, ours, conflicts))
    return plans


def _plan_one(
    site: Workspace,
    file: GeneratedFile,
    spec: FileSpec,
    current: bytes | None,
    base: str | None,
    ours: bool,
    conflicts: str,
) -> _FilePlan:
    path, new = file.path, file.content
    old_text = current.decode("utf-8", "replace") if current is not None else ""
    if current == new.encode():
        report = FileUpdate(path=path, status="untouched", rendered=True)
        return _FilePlan(path, report, base=new if base != new else None)
    if current is None or ours:
        report = _report(path, "regenerated", old_text, new)
        return _FilePlan(path, report, target=path, text=new, base=new, ours=True)
    if base is not None:
        merged = merge_three(base, old_text, new)
        if merged.text == old_text:  # the new text changes nothing you kept: nothing to write
            return _FilePlan(path, FileUpdate(path=path, status="untouched", rendered=True))
        findings = _findings(spec, path, merged.text) if merged.clean else []
        if merged.clean and not any(_breaks(f) for f in findings):
            report = _report(path, "merged", old_text, merged.text)
            return _FilePlan(
                path, report, target=path, text=merged.text, base=new, findings=findings
            )
        if conflicts == "markers":
            report = _report(path, "conflict", old_text, merged.text)
            return _FilePlan(path, report, target=path, text=merged.text, base=new)
    beside = site.beside(site.plan_changes([file])[0]).target.relative_to(site.root).as_posix()
    report = FileUpdate(path=path, status="conflict", rendered=True, kept_as=beside)
    report.diff = _diff(beside, "", new) if site.current_bytes(beside) is None else ""
    return _FilePlan(path, report, target=beside, text=new, ours=True)


def _breaks(finding: Finding) -> bool:
    """Whether a merged file is broken (it does not parse as its kind): then it is a conflict.
    A ruff finding is reported, and the merge written: the style of your code is yours."""
    return blocks(finding) and finding.source != "ruff"


def _findings(spec: FileSpec, path: str, text: str) -> list[Finding]:
    """What the project's checks say of a merged file (it is not reformatted: it is yours)."""
    return validate(spec, GeneratedFile(path=path, content=text))[1]


def _report(path: str, status: str, old: str, new: str) -> FileUpdate:
    report = FileUpdate.model_validate({"path": path, "status": status, "rendered": True})
    report.diff = _diff(path, old, new)
    return report


def _diff(path: str, old: str, new: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )


async def _write(
    site: Workspace, plans: list[_FilePlan], label: str, session_file: str, writer: UpdateWriter
) -> str:
    """Keep what will change, then write: the files (through `writer`), then their bases and
    what is ours in the manifest. Returns the snapshot's stamp."""
    writing = [p for p in plans if p.target is not None]
    rebased = [p for p in plans if p.base is not None]
    stamp = await asyncio.to_thread(
        snapshot,
        site,
        label,
        [p.target for p in writing if p.target is not None],
        [MANIFEST_NAME, session_file, *(base_key(p.path) for p in rebased)],
    )
    files = await asyncio.to_thread(_file_writes, site, writing)
    try:
        await writer.write(site.root, files, label)
    except UpdateNotApplied:
        await asyncio.to_thread(discard, site, stamp)
        raise
    await asyncio.to_thread(_record, site, stamp, writing, rebased)
    diffs = {p.path: p.report.diff for p in plans if p.report.diff}
    await asyncio.to_thread(record_diffs, site, stamp, diffs)
    return stamp


def _file_writes(site: Workspace, writing: list[_FilePlan]) -> list[FileWrite]:
    files: list[FileWrite] = []
    for plan in writing:
        assert plan.target is not None
        current = site.current_bytes(plan.target)
        before = current.decode("utf-8", "replace") if current is not None else None
        files.append(FileWrite(plan.target, plan.text, before, _kind(plan)))
    return files


def _kind(plan: _FilePlan) -> WriteKind:
    if plan.target != plan.path:
        return "beside"
    status = plan.report.status
    return "regenerated" if status in ("regenerated", "untouched") else status


def _record(
    site: Workspace, stamp: str, writing: list[_FilePlan], rebased: list[_FilePlan]
) -> None:
    site.save_bases((p.path, p.base) for p in rebased if p.base is not None)
    # the manifest knows what is ours; a merged file is not: it holds your edits
    site.record_written([(p.target, p.text) for p in writing if p.ours and p.target])
    seal(site, stamp, {p.target: p.text for p in writing if p.target})
