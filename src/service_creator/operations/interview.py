"""Interview operations: start (or resume) an interview, answer a question, show a session."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from service_creator.domain.config import Settings
from service_creator.domain.errors import InvalidAnswerError, SessionNotFoundError
from service_creator.domain.ports import Asker
from service_creator.domain.requirements import AnswerValue, Question, Session
from service_creator.interview.interview import Interview, summarize
from service_creator.interview.sessions import SessionStore
from service_creator.interview.wording import ModelInterviewer
from service_creator.llm.breaker import Breaker
from service_creator.operations.io import (
    AnswerQuestionInput,
    InterviewState,
    SessionRef,
    StartInterviewInput,
)

MAX_ATTEMPTS = 5


def open_session(
    ref: SessionRef, settings: Settings, *, restart: bool = False, create: bool = True
) -> tuple[Session, SessionStore]:
    """The named session, else the workspace's latest unfinished one, else a new one; with
    the store of `ref.workspace` (the only folder the session is read from and saved to)."""
    store = SessionStore(ref.workspace)
    if ref.session_id:
        return store.load(ref.session_id), store
    latest = None if restart else store.latest()
    if latest is not None and (latest.status != "generated" or not create):
        return latest, store
    if not create:
        raise SessionNotFoundError(
            f"No interview in {store.workspace} yet",
            hint="start one with `service-creator interview`",
        )
    return store.new(engine=settings.model), store


def state_of(
    interview: Interview,
    message: str = "",
    question: Question | None = None,
    notes: Sequence[str] = (),
) -> InterviewState:
    """The interview's state; `question` is the current one as worded by a model, if it was."""
    session = interview.session
    requirements = interview.requirements() if interview.done else None
    return InterviewState(
        session_id=session.id,
        workspace=session.workspace,
        status=session.status,
        step=session.step,
        total_steps=session.total_steps,
        question=question or interview.current(),
        summary=summarize(requirements) if requirements else None,
        requirements=requirements,
        message=message,
        notes=list(notes),
    )


async def current_question(
    interview: Interview,
    settings: Settings | None,
    workspace: Path,
    breaker: Breaker | None = None,
) -> tuple[Question | None, str]:
    """The current question: the graph's (offline), or worded by the interview model.
    `breaker`: the run's (llm/breaker.py), when one run asks several questions."""
    if settings is None or settings.is_offline:
        return interview.current(), ""

    interviewer = ModelInterviewer(settings, workspace, interview.session.id, breaker)
    return await interviewer.current(interview)


async def worded_state(
    interview: Interview, settings: Settings, store: SessionStore, message: str = ""
) -> InterviewState:
    question, note = await current_question(interview, settings, store.workspace)
    return state_of(interview, " ".join(m for m in (message, note) if m), question, store.notes)


async def start_interview(
    inp: StartInterviewInput, settings: Settings, asker: Asker | None = None
) -> InterviewState:
    """Start or resume the workspace's interview; with an asker, run it until done or paused."""
    session, store = await asyncio.to_thread(open_session, inp, settings, restart=inp.restart)
    interview = Interview(session)
    if asker is None:
        return await worded_state(interview, settings, store)
    return await run_with(interview, asker, store, settings)


async def run_with(
    interview: Interview, asker: Asker, store: SessionStore, settings: Settings | None = None
) -> InterviewState:
    """Ask until the interview is done or the user cancels, saving into `store` each time."""
    breaker = Breaker()  # a model that fails is not asked again in this run
    while True:
        announced = breaker.announced
        question, note = await current_question(interview, settings, store.workspace, breaker)
        if note and breaker.announced and not announced:
            store.notes.append(note)  # the model is down: said once for the run
        if question is None:
            break
        value = await _ask_until_valid(interview, question, asker)
        if value is None:
            interview.session.status = "paused"
            await asyncio.to_thread(store.save, interview.session)
            message = "Paused; start the interview again to resume."
            return state_of(interview, message, question, store.notes)
        await asyncio.to_thread(store.save, interview.session)
    return state_of(interview, "Interview complete.", notes=store.notes)


async def _ask_until_valid(
    interview: Interview, question: Question, asker: Asker
) -> AnswerValue | None:
    """Ask until an answer fits (then it is stored); None when the user cancels."""
    problem = None
    for _ in range(MAX_ATTEMPTS):
        value = await asker.ask(question, problem)
        if value is None:
            return None
        try:
            interview.answer(value, question.id)
            return value
        except InvalidAnswerError as exc:
            problem = str(exc)
    return None


async def answer_question(inp: AnswerQuestionInput, settings: Settings) -> InterviewState:
    """Answer the current question (or change an earlier one by id); returns the next question.

    An invalid answer raises InvalidAnswerError and leaves the session as it was.
    """
    session, store = await asyncio.to_thread(open_session, inp, settings)
    interview = Interview(session)
    interview.answer(inp.answer, inp.question_id)
    await asyncio.to_thread(store.save, interview.session)
    return await worded_state(interview, settings, store)


async def get_session(inp: SessionRef, settings: Settings) -> InterviewState:
    """The session's state: status, step, the current question, the requirements when done."""
    session, store = await asyncio.to_thread(open_session, inp, settings, create=False)
    return await worded_state(Interview(session), settings, store)


def current_session(ref: SessionRef) -> str:
    """The id of the session `ref` names in its workspace, else of the workspace's current
    one (the latest it holds): how a caller that keeps no session ids names a session."""
    store = SessionStore(ref.workspace)
    if ref.session_id:
        return store.load(ref.session_id).id
    latest = store.latest()
    if latest is None:
        raise SessionNotFoundError(
            f"No interview in {store.workspace} yet",
            hint="start the interview in this folder first",
        )
    return latest.id


def questions_together(ref: SessionRef, question: Question) -> list[Question]:
    """`question`, with the questions after it that nothing unanswered shapes (one round of
    forms); just `question` when it is not the first of that round."""
    if ref.session_id is None:
        return [question]
    batch = Interview(SessionStore(ref.workspace).load(ref.session_id)).ready()
    return batch if batch and batch[0].id == question.id else [question]
