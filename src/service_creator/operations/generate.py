"""The generate operation: plan, render, validate and write the service for a finished interview."""

from __future__ import annotations

import asyncio
from pathlib import Path

from service_creator.domain.config import Settings
from service_creator.domain.ports import Progress, Writer
from service_creator.domain.project import FileSpec, WriteResult
from service_creator.domain.requirements import Requirements
from service_creator.generation.model.engine import ModelEngine
from service_creator.generation.offline.generator import OfflineEngine, render_project
from service_creator.generation.pipeline import Engine, Generation
from service_creator.generation.workspace import FilesystemWriter
from service_creator.interview.interview import Interview
from service_creator.operations.interview import open_session
from service_creator.operations.io import Fallback, GenerateInput, GenerateOutput, NotWritten


async def run_engine(
    engine: Engine,
    specs: list[FileSpec],
    requirements: Requirements,
    settings: Settings,
    progress: Progress,
) -> Generation:
    """The engine's run of `specs`, each file done reported, stopped when progress is cancelled."""
    return await engine.run(
        specs,
        requirements,
        on_file_done=lambda done, total, path: progress.report(done, total, path),
        is_cancelled=lambda: progress.cancelled,
        concurrency=settings.concurrency,
    )


def engine_for(settings: Settings, workspace: Path | None = None) -> Engine:
    """The offline engine, or the model engine (its ledger stored in `workspace`; its plan's
    interfaces seeded by the offline engine's project for the same requirements)."""

    if settings.is_offline:
        return OfflineEngine()

    return ModelEngine(settings, workspace=workspace, seed=render_project)


async def generate_service(
    inp: GenerateInput,
    settings: Settings,
    progress: Progress,
    writer: Writer | None = None,
    engine: Engine | None = None,
) -> GenerateOutput:
    """Write the service project for the session's requirements into `inp.workspace`.

    The workspace is the one the caller resolved, never the path stored in the session file (a
    session copied from elsewhere is re-homed, and `notes` says so). A `writer` passed in must
    write into that same workspace. Files the user changed since we wrote them are kept; ours
    goes beside them as `<name>.new`. A cancelled generation writes the files finished so far.

    `status` is "complete" when every planned file is in the workspace (a file kept aside as
    `.new` beside the user's counts: that is the user's choice) and the run neither stopped
    nor was cancelled; otherwise "incomplete", and `missing` names the files not written.
    """
    workspace = inp.workspace.path
    session, store = await asyncio.to_thread(open_session, inp, settings, create=False)
    requirements = Interview(session).requirements()
    engine = engine or engine_for(settings, workspace)
    # a model engine's plan adds API.md, and its run adds repair rounds, docs and the ledger
    specs = engine.plan(requirements)
    progress.report(0, len(specs), f"Generating {len(specs)} files with the {engine.name} engine")
    generation = await run_engine(engine, specs, requirements, settings, progress)
    writer = writer or FilesystemWriter(workspace)
    label = f"Service Creator: generate {requirements.service_name}"
    written = await writer.apply(generation.files, label)
    finished = not generation.cancelled and generation.stopped is None
    if finished and (session.status != "generated" or store.notes):  # changed, or re-homed
        session.status = "generated"
        await asyncio.to_thread(store.save, session)
    missing = missing_files(specs, generation, written)
    complete = not (missing or generation.cancelled or generation.stopped)
    return GenerateOutput(
        session_id=session.id,
        workspace=str(workspace),
        engine=engine.name,
        files=[f.path for f in generation.files],
        written=written.written,
        unchanged=written.unchanged,
        conflicts=written.conflicts,
        findings=generation.findings,
        cancelled=generation.cancelled,
        stopped=str(generation.stopped) if generation.stopped else None,
        status="complete" if complete else "incomplete",
        missing=missing,
        not_written=[NotWritten(path=p, reason=r) for p, r in generation.not_written.items()],
        fallbacks=[Fallback(path=p, reason=r) for p, r in generation.fallbacks.items()],
        by_model=generation.by_model,
        ledger=_ledger_path(engine),
        notes=store.notes,
    )


def _ledger_path(engine: Engine) -> str | None:
    path = engine.ledger.path if engine.ledger is not None else None
    return str(path) if path is not None else None


def missing_files(specs: list[FileSpec], generation: Generation, written: WriteResult) -> list[str]:
    """The planned files not in the workspace, each as `path (why)`: not generated (the run
    stopped, was cancelled) or generated but not written."""
    if generation.cancelled:
        why = "cancelled"
    elif generation.stopped is not None:
        why = (
            generation.stopped.message.splitlines()[0] if generation.stopped.message else "stopped"
        )
    else:
        why = "not generated"
    refused = generation.not_written  # withheld by validation, with the reason
    made = {f.path for f in generation.files}
    landed = {*written.written, *written.unchanged}
    missing = [f"{path} (not written: {reason})" for path, reason in refused.items()]
    missing += [
        f"{s.path} (not generated: {why})"
        for s in specs
        if s.path not in made and s.path not in refused
    ]
    missing += [
        f"{f.path} (not written)"
        for f in generation.files
        if f.path not in landed and not _kept_beside(f.path, written.conflicts)
    ]
    return missing


def _kept_beside(path: str, conflicts: list[str]) -> bool:
    """Ours went beside the user's file: `path` itself was kept (ours is `path.new`), or the
    user works in our earlier `path.new` (ours is `path.new.new`)."""
    return any(kept == path or kept.startswith(f"{path}.new") for kept in conflicts)
