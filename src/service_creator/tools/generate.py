"""The generate operation: plan, render, validate and write the service for a finished interview."""

from __future__ import annotations

import asyncio
from pathlib import Path

from service_creator.config import Settings
from service_creator.core.generate import Engine, OfflineEngine, generate
from service_creator.core.interview import Interview
from service_creator.core.models import Finding, WireModel
from service_creator.core.plan import plan
from service_creator.core.session import SessionStore
from service_creator.core.workspace import FilesystemWriter
from service_creator.errors import ConfigError
from service_creator.tools.interview import SessionRef, open_session
from service_creator.tools.ports import Progress, Writer


class GenerateInput(SessionRef):
    pass


class GenerateOutput(WireModel):
    session_id: str
    workspace: str
    engine: str
    files: list[str]
    written: list[str] = []
    unchanged: list[str] = []
    conflicts: list[str] = []
    findings: list[Finding] = []
    cancelled: bool = False


def engine_for(settings: Settings) -> Engine:
    if settings.is_offline:
        return OfflineEngine()
    raise ConfigError(
        f"Model '{settings.model}' is not supported by this version",
        hint="unset SERVICE_CREATOR_MODEL to use the offline engine",
    )


async def generate_service(
    inp: GenerateInput,
    settings: Settings,
    progress: Progress,
    writer: Writer | None = None,
    engine: Engine | None = None,
) -> GenerateOutput:
    """Write the service project for the session's requirements into its workspace.

    Files the user changed since we wrote them are kept; ours goes beside them as `<name>.new`.
    A cancelled generation writes the files finished so far.
    """
    session = await asyncio.to_thread(open_session, inp, settings, create=False)
    requirements = Interview(session).requirements()
    engine = engine or engine_for(settings)
    specs = plan(requirements)
    progress.report(0, len(specs), f"Generating {len(specs)} files with the {engine.name} engine")
    generation = await generate(
        specs,
        requirements,
        engine,
        on_file_done=lambda done, total, path: progress.report(done, total, path),
        is_cancelled=lambda: progress.cancelled,
    )
    writer = writer or FilesystemWriter(Path(session.workspace))
    label = f"Service Creator: generate {requirements.service_name}"
    written = await writer.apply(generation.files, label)
    if not generation.cancelled:
        session.status = "generated"
        await asyncio.to_thread(SessionStore(Path(session.workspace)).save, session)
    return GenerateOutput(
        session_id=session.id,
        workspace=session.workspace,
        engine=engine.name,
        files=[f.path for f in generation.files],
        written=written.written,
        unchanged=written.unchanged,
        conflicts=written.conflicts,
        findings=generation.findings,
        cancelled=generation.cancelled,
    )
