"""An update with a model engine, against the loopback scripted server: the model is asked for
the files the changed answer touches and for no other, sees the files it does not rewrite as
they are in the workspace, and a file the user edited gets the model's new text merged in."""

from __future__ import annotations

from pathlib import Path

from fake_openai import FakeOpenAI
from project import ScriptedModel, kind_of, requested_path

from service_creator.domain.config import Settings
from service_creator.domain.ports import NoProgress
from service_creator.domain.workspace_path import workspace_path
from service_creator.generation.model.engine import ModelEngine
from service_creator.generation.offline.generator import render_project
from service_creator.generation.plan import files_touched
from service_creator.interview.interview import Interview
from service_creator.interview.sessions import SessionStore
from service_creator.operations.generate import generate_service
from service_creator.operations.interview import start_interview
from service_creator.operations.io import GenerateInput, StartInterviewInput, UpdateInput
from service_creator.operations.scripted import DEMO_ANSWERS, ScriptedAsker
from service_creator.operations.update import update_service

OFFLINE = Settings(model="offline")


async def test_the_model_is_asked_only_for_the_files_the_change_touches(
    tmp_path: Path, server: FakeOpenAI, settings: Settings
):
    site = workspace_path(str(tmp_path), create=True)
    await start_interview(StartInterviewInput(workspace=site), OFFLINE, ScriptedAsker(DEMO_ANSWERS))
    await generate_service(GenerateInput(workspace=site), OFFLINE, NoProgress())
    session = SessionStore(tmp_path).latest()
    assert session is not None
    old = Interview(session).requirements()
    new = old.model_copy(update={"pricing_model": "hourly"})
    fresh = {f.path: f.content for f in render_project(new)}
    model = ScriptedModel(fresh)
    server.responder = model
    manager = tmp_path / "service_manager.py"
    mine = "\n\n# the user's note: invoices go out on the first of the month\n"
    manager.write_text(manager.read_text() + mine)

    engine = ModelEngine(settings, workspace=tmp_path, seed=render_project)
    output = await update_service(
        UpdateInput(workspace=site, answers={"pricing_model": "hourly"}),
        OFFLINE,
        NoProgress(),
        engine=engine,
    )

    touched = files_touched(old, new, engine.plan(new))
    asked = {requested_path(call) for call in server.calls if kind_of(call) == "codegen"}
    assert asked == touched - {"API.md"}  # API.md is written from the symbol tables, no call
    assert len(server.calls) == len(asked)  # one call a file: nothing else was asked
    assert {f.path for f in output.files if f.rendered} == touched
    assert manager.read_text() == fresh["service_manager.py"] + mine
    for path in touched - {"service_manager.py", "API.md"}:
        assert (tmp_path / path).read_text() == fresh[path], path
