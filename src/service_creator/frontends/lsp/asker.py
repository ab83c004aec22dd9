"""The Asker port as editor prompts.

- A client that declared the `serviceCreator/ask` request (`initializationOptions.askRequest` or
  `capabilities.experimental.serviceCreatorAsk`, as the VS Code extension does) gets every
  question through it, whatever its kind: the whole Question (step, step number, explanation,
  options), which the client shows as a prompt that stays up until answered or dismissed.
- Any other client gets `window/showMessageRequest`: single-select and confirm questions with
  the options as actions; free text, number and multi-select with suggested answers (the
  default, each option, ...), any other answer going through `serviceCreator.answerQuestion`.
- A null answer or a dismissed prompt pauses the session.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcMethodNotFound

from service_creator.frontends.lsp.convert import encode
from service_creator.frontends.lsp.server import ASK_REQUEST

if TYPE_CHECKING:
    from service_creator.domain.requirements import AnswerValue, Question
    from service_creator.frontends.lsp.server import Job, ServiceCreatorServer

log = logging.getLogger(__name__)

# The kinds a showMessageRequest cannot answer in full (it offers suggestions only).
FREE_ANSWER_KINDS = ("free_text", "number", "multi_select")
ANSWER_COMMAND = "serviceCreator.answerQuestion"
EMPTY_TITLE = "(leave empty)"


class LspAsker:
    def __init__(self, ls: ServiceCreatorServer, job: Job) -> None:
        self.ls = ls
        self.job = job

    async def ask(self, question: Question, problem: str | None = None) -> AnswerValue | None:
        if self.job.cancelled:
            return None
        self.ls.status(
            f"Interview: step {question.step_number}/{question.total_steps}",
            tooltip=question.text.splitlines()[0],
        )
        if self.ls.state.support.ask_request:
            try:
                return await self._ask_request(question, problem)
            except JsonRpcMethodNotFound:
                log.warning("the client declared %s but does not implement it", ASK_REQUEST)
                self.ls.state.support.ask_request = False
        return await self._message_request(question, problem)

    async def _ask_request(self, question: Question, problem: str | None) -> AnswerValue | None:
        if problem:
            explanation = f"{problem}. {question.explanation}".strip()
            question = question.model_copy(update={"explanation": explanation})
        params = encode(question)
        result = await self.job.race(self.ls.protocol.send_request_async(ASK_REQUEST, params))
        return _plain(result)

    async def _message_request(self, question: Question, problem: str | None) -> AnswerValue | None:
        choices = suggested_answers(question)
        reply = await self.job.race(
            self.ls.window_show_message_request_async(
                types.ShowMessageRequestParams(
                    type=types.MessageType.Warning if problem else types.MessageType.Info,
                    message=message_for(question, problem),
                    actions=[types.MessageActionItem(title=title) for title in choices],
                )
            )
        )
        if reply is None:
            return None
        return choices.get(reply.title, reply.title)


def message_for(question: Question, problem: str | None = None) -> str:
    lines = [f"[{question.step_number}/{question.total_steps}] {question.text}"]
    if question.explanation:
        lines.append(question.explanation)
    if problem:
        lines.append(f"Please answer again: {problem}")
    if question.kind in FREE_ANSWER_KINDS:
        lines.append(
            f"For another answer, dismiss this and run {ANSWER_COMMAND} with "
            f'{{"questionId": "{question.id}", "answer": ...}}, then start the interview again.'
        )
    return "\n".join(lines)


def suggested_answers(question: Question) -> dict[str, AnswerValue]:
    """Action title → the answer it stands for, in the order shown."""
    by_id = {o.id: o.label for o in question.options}
    choices: dict[str, AnswerValue] = {}
    match question.kind:
        case "confirm":
            choices = {"Yes": True, "No": False}
        case "single_select":
            choices = {o.label: o.id for o in question.options}
        case "multi_select":
            default = question.default if isinstance(question.default, list) else []
            if default:
                choices[", ".join(by_id.get(d, d) for d in default)] = list(default)
            top = question.validation.max_selections
            if len(question.options) > 1 and (top is None or top >= len(question.options)):
                choices["All of them"] = [o.id for o in question.options]
            for option in question.options:
                choices.setdefault(option.label, [option.id])
        case "number" | "free_text":
            if question.default is not None:
                default = question.default
                title = _number_text(default) if isinstance(default, int | float) else str(default)
                choices[title or EMPTY_TITLE] = default
    return choices


def _number_text(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _plain(value: Any) -> Any:
    """A custom request's result as plain JSON values (pygls turns objects into namedtuples)."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
