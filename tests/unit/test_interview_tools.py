"""The interview operations with their ports: persistence, resume, pause, scripted answers."""

from __future__ import annotations

import json

import pytest

from service_creator.domain.config import Settings
from service_creator.domain.errors import InvalidAnswerError, SessionNotFoundError
from service_creator.domain.requirements import Question
from service_creator.interview.sessions import SessionStore
from service_creator.operations.interview import answer_question, get_session, start_interview
from service_creator.operations.io import AnswerQuestionInput, SessionRef, StartInterviewInput
from service_creator.operations.scripted import DEMO_ANSWERS, ScriptedAsker

SETTINGS = Settings()


class StopAfter:
    """Answers from the demo script, then cancels at `stop_at` (like pressing Escape)."""

    def __init__(self, stop_at: str) -> None:
        self.stop_at = stop_at
        self.asked: list[str] = []

    async def ask(self, question: Question, problem: str | None = None):
        self.asked.append(question.id)
        if question.id == self.stop_at:
            return None
        return DEMO_ANSWERS.get(question.id, question.default)


async def test_scripted_interview_completes_and_persists(tmp_path):
    state = await start_interview(
        StartInterviewInput(workspace=str(tmp_path)), SETTINGS, ScriptedAsker(DEMO_ANSWERS)
    )
    assert state.status == "complete"
    assert state.requirements.service_name == "vfirewall-ftd"
    saved = tmp_path / ".service-creator" / "sessions" / f"{state.session_id}.json"
    assert json.loads(saved.read_text())["status"] == "complete"


async def test_cancel_pauses_and_a_new_process_resumes_where_it_stopped(tmp_path):
    first = StopAfter("pricing_model")
    paused = await start_interview(StartInterviewInput(workspace=str(tmp_path)), SETTINGS, first)
    assert paused.status == "paused" and paused.question.id == "pricing_model"

    # a "restart": nothing in memory survives, only what is on disk
    shown = await get_session(SessionRef(workspace=str(tmp_path)), SETTINGS)
    assert shown.status == "paused" and shown.question.id == "pricing_model"
    on_disk = SessionStore(tmp_path).load(paused.session_id)
    assert on_disk.answers["features"] == ["traffic_filtering", "nat", "threat_detection"]

    second = StopAfter("never")
    done = await start_interview(StartInterviewInput(workspace=str(tmp_path)), SETTINGS, second)
    assert done.session_id == paused.session_id
    assert second.asked[0] == "pricing_model"
    assert done.status == "complete"


async def test_turn_based_answers_without_an_asker(tmp_path):
    ref = {"workspace": str(tmp_path)}
    state = await start_interview(StartInterviewInput(**ref), SETTINGS)
    assert state.question.id == "service_type"
    while state.question is not None:
        value = DEMO_ANSWERS.get(state.question.id, state.question.default)
        state = await answer_question(AnswerQuestionInput(**ref, answer=value), SETTINGS)
    assert state.status == "complete" and "vFirewall" in state.summary


async def test_invalid_turn_based_answer_leaves_the_file_untouched(tmp_path):
    ref = {"workspace": str(tmp_path)}
    state = await start_interview(StartInterviewInput(**ref), SETTINGS)
    path = tmp_path / ".service-creator" / "sessions" / f"{state.session_id}.json"
    before = path.read_text()
    with pytest.raises(InvalidAnswerError, match="vFirewall, vRouter"):
        await answer_question(AnswerQuestionInput(**ref, answer="vSwitch"), SETTINGS)
    assert path.read_text() == before


async def test_scripted_answer_missing_without_default_names_the_question(tmp_path):
    asker = ScriptedAsker({"service_type": "vVPN"})
    with pytest.raises(InvalidAnswerError, match="no answer for 'vendors'"):
        await start_interview(StartInterviewInput(workspace=str(tmp_path)), SETTINGS, asker)


async def test_scripted_invalid_answer_is_a_clear_error(tmp_path):
    asker = ScriptedAsker({**DEMO_ANSWERS, "pricing_model": "yearly"})
    with pytest.raises(InvalidAnswerError, match="'yearly' is not an option"):
        await start_interview(StartInterviewInput(workspace=str(tmp_path)), SETTINGS, asker)


async def test_get_session_without_an_interview_is_a_clear_error(tmp_path):
    with pytest.raises(SessionNotFoundError, match="No interview"):
        await get_session(SessionRef(workspace=str(tmp_path)), SETTINGS)


async def test_restart_starts_a_new_session(tmp_path):
    ref = str(tmp_path)
    first = await start_interview(StartInterviewInput(workspace=ref), SETTINGS)
    second = await start_interview(StartInterviewInput(workspace=ref, restart=True), SETTINGS)
    assert first.session_id != second.session_id
    assert len(SessionStore(tmp_path).all()) == 2
