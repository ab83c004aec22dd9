"""The answers of an update: which answer to change and its new value, asked through the
interview's prompts (`ask_change`), and the new answers given to the interview, with those that
no longer fit asked again (`answer_again`)."""

from __future__ import annotations

import asyncio

from service_creator.domain.config import Settings
from service_creator.domain.errors import InterviewIncompleteError, InvalidAnswerError
from service_creator.domain.ports import Asker
from service_creator.domain.requirements import AnswerValue, Question
from service_creator.interview.interview import Interview
from service_creator.operations.interview import open_session
from service_creator.operations.io import SessionRef

MAX_ASKS = 20  # an adaptive interview asks a few again; a loop past this is a bug, not a user


async def ask_change(
    ref: SessionRef, settings: Settings, asker: Asker
) -> dict[str, AnswerValue] | None:
    """Ask which answer to change (the answered questions, each with its answer now) and its
    new answer, through the interview's prompts; an invalid answer is asked again. None when
    the user dismisses a prompt. Nothing is saved: `update_service` takes the answer."""
    session, _ = await asyncio.to_thread(open_session, ref, settings, create=False)
    interview = Interview(session)
    interview.requirements()  # a finished interview only: its error says what is missing
    interview.answer(False, "confirm")  # the summary refused: the interview asks which answer
    pick = interview.current()
    if pick is None:
        raise InterviewIncompleteError("the interview has no answer to change")
    chosen = await asker.ask(_with_answers(pick, interview), None)
    if chosen is None:
        return None
    question = interview.answer(chosen)
    problem = None
    for _ in range(MAX_ASKS):
        if question is None:
            return None
        value = await asker.ask(question, problem)
        if value is None:
            return None
        try:
            interview.answer(value, question.id)
            return {question.id: value}
        except InvalidAnswerError as exc:
            problem = str(exc)
    raise InterviewIncompleteError(f"no usable answer for '{question.id if question else ''}'")


def _with_answers(pick: Question, interview: Interview) -> Question:
    """The pick of answers, each option showing the answer it has now."""
    by_id = {question.id: question for question in interview.questions()}
    answers = interview.session.answers
    options = [
        option.model_copy(
            update={
                "label": f"{option.label} (now: {_shown(by_id[option.id], answers[option.id])})"
            }
        )
        if option.id in by_id and option.id in answers
        else option
        for option in pick.options
    ]
    return pick.model_copy(update={"options": options})


def _shown(question: Question, value: AnswerValue) -> str:
    labels = {option.id: option.label for option in question.options}
    values = value if isinstance(value, list) else [value]
    return ", ".join(labels.get(str(v), str(v)) for v in values) or "(empty)"


async def answer_again(
    interview: Interview, answers: dict[str, AnswerValue], asker: Asker | None
) -> None:
    """Give the interview each new answer once its question applies, then ask what it asks
    again (an answer that no longer fits); confirm the summary. Without an asker, a question
    left to ask is an error naming it and the `--set` that answers it."""
    pending = dict(answers)
    for _ in range(MAX_ASKS + len(answers)):
        applying = _applying(interview)
        ready = next((question_id for question_id in pending if question_id in applying), None)
        if ready is not None:
            interview.answer(pending.pop(ready), ready)
            continue
        question = interview.current()
        if question is None or question.id == "confirm":
            if pending:  # a question this interview does not ask: its own clear error
                interview.answer(*_first(pending))
            break
        await _ask(interview, question, asker)
    if interview.current() is not None:
        interview.answer(True, "confirm")


def _applying(interview: Interview) -> set[str]:
    """The questions that can be answered now (answered ones included), but the summary."""
    answers = interview.session.answers
    now = [*interview.questions(), *interview.graph.ready(answers)]
    return {question.id for question in now} - {"confirm"}


def _first(pending: dict[str, AnswerValue]) -> tuple[AnswerValue, str]:
    question_id = next(iter(pending))
    return pending[question_id], question_id


async def _ask(interview: Interview, question: Question, asker: Asker | None) -> None:
    if asker is None:
        raise InterviewIncompleteError(
            f"the new answers make the interview ask '{question.id}' again: "
            f"{question.text.splitlines()[0]}",
            hint=f"answer it too: add `--set {question.id}=VALUE` (or run the update in a "
            f"terminal to be asked); in the MCP tool, in more_answers",
        )
    problem = None
    for _ in range(MAX_ASKS):
        value = await asker.ask(question, problem)
        if value is None:
            raise InterviewIncompleteError(
                f"the update was cancelled at '{question.id}'", hint="nothing was changed"
            )
        try:
            interview.answer(value, question.id)
            return
        except InvalidAnswerError as exc:
            problem = str(exc)
    raise InterviewIncompleteError(f"no usable answer for '{question.id}'")
