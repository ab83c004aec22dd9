"""`start_interview` over MCP: roots, then the questions by elicitation when the client can.

Two protocol eras, one interview loop (`operations.start_interview` with an `Asker`):

- 2025-11-25 and earlier ("legacy"): the server sends live `roots/list` and
  `elicitation/create` requests in the middle of the call (`LiveAsker`).
- 2026-07-28: servers cannot send requests; a call that needs the user returns an
  `InputRequiredResult` and the client calls again with the answers. Each round asks the next
  question together with the ones after it that no unanswered question shapes
  (`Interview.ready`: e.g. the product, the name, the features and the pricing model at once),
  so a whole interview takes about 7 rounds (`RoundAsker`); every valid answer is saved in
  the session before the next round, and the round's bookkeeping rides in `request_state`,
  which the SDK seals (it is authenticated and bound to this request, so a client cannot
  forge it).

Clients give up after a number of rounds (10 by default in every SDK), so one call asks at
most `elicit_rounds` rounds, then returns the current question with a message to call
`start_interview` again, which carries on where it stopped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp.server.elicitation import render_elicitation_schema
from mcp.server.mcpserver import Context
from mcp.types import (
    ElicitRequest,
    ElicitRequestFormParams,
    ElicitResult,
    InputRequiredResult,
)
from pydantic import BaseModel, ValidationError

from service_creator import operations
from service_creator.domain.requirements import AnswerValue, Question
from service_creator.frontends.mcp.content import TURN_BY_TURN
from service_creator.frontends.mcp.elicit import (
    answer_value,
    parse_answer,
    question_message,
    question_model,
)
from service_creator.frontends.mcp.roots import (
    RootsNeeded,
    client_roots,
    input_response,
    is_modern,
    resolve_workspace,
    roots_request,
    shared_folders,
)
from service_creator.frontends.mcp.state import App, scope_of
from service_creator.operations.io import InterviewState, SessionRef, StartInterviewInput

MAX_FORM_ATTEMPTS = 3


class RoundState(BaseModel):
    """What one 2026-07-28 round hands the next, inside the sealed `request_state`."""

    workspace: str | None = None
    roots: list[str] | None = None  # the folders the client shares; None: no restriction
    session_id: str | None = None
    asked: list[str] = []
    rounds: int = 0

    def folders(self) -> list[Path] | None:
        return None if self.roots is None else [Path(r) for r in self.roots]

    @classmethod
    def of(cls, ctx: Context) -> RoundState:
        return cls.model_validate_json(ctx.request_state) if ctx.request_state else cls()


class NeedInput(Exception):
    def __init__(self, question: Question, problem: str | None) -> None:
        super().__init__(question.id)
        self.question = question
        self.problem = problem


class RoundAsker:
    """2026-07-28: answers the questions asked last round from the client's responses; any
    other question ends the round (`NeedInput`) so it can be asked."""

    def __init__(self, responses: dict[str, ElicitResult]) -> None:
        self._responses = dict(responses)

    async def ask(self, question: Question, problem: str | None = None) -> AnswerValue | None:
        response = self._responses.pop(question.id, None)
        if response is not None:
            if response.action != "accept":
                return None
            try:
                return parse_answer(question, response.content)
            except ValueError as exc:
                problem = str(exc)
        raise NeedInput(question, problem)


class LiveAsker:
    """Legacy protocol: one live `elicitation/create` request per question."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def ask(self, question: Question, problem: str | None = None) -> AnswerValue | None:
        for _ in range(MAX_FORM_ATTEMPTS):
            form = question_model(question)
            try:
                result = await self._ctx.elicit(question_message(question, problem), form)
            except ValueError as exc:  # accepted, but the content does not fit the form
                cause = exc.__cause__
                problem = (
                    "; ".join(e["msg"] for e in cause.errors())
                    if isinstance(cause, ValidationError)
                    else str(exc)
                )
                continue
            if result.action != "accept":
                return None
            return answer_value(result.data)
        return None


def _can_elicit(ctx: Context) -> bool:
    """Whether the client can answer form elicitation."""
    caps = ctx.client_capabilities
    elicitation = None if caps is None else caps.elicitation
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def _input_required(requests: dict[str, Any], state: RoundState) -> InputRequiredResult:
    return InputRequiredResult(input_requests=requests, request_state=state.model_dump_json())


async def run_start_interview(
    ctx: Context, arguments: dict[str, Any]
) -> InterviewState | InputRequiredResult:
    """`start_interview`'s `arguments` (the fields of `StartInterviewInput`) over MCP."""
    workspace = arguments["workspace"]
    app = App.of(ctx)
    modern = is_modern(ctx)
    state = RoundState.of(ctx) if modern else RoundState()
    can_elicit = _can_elicit(ctx)

    if state.workspace is None:
        try:
            roots = await client_roots(ctx)
        except RootsNeeded:
            state.rounds += 1  # counts against the client's limit like a question
            return roots_request(state.model_dump_json())
        folders = shared_folders(roots)
        state.roots = None if folders is None else [str(f) for f in folders]
        site = resolve_workspace(workspace, folders)
        state.workspace = str(site)
    else:  # a later round: the sealed state's workspace, checked again against its roots
        site = resolve_workspace(state.workspace, state.folders(), create=False)

    if state.session_id is None:
        opened = await operations.start_interview(
            StartInterviewInput(**{**arguments, "workspace": site}),
            app.settings,
        )
        state.session_id = opened.session_id
    app.registry.open(scope_of(ctx.headers), state.session_id, site, state.folders())
    inp = StartInterviewInput(workspace=site, session_id=state.session_id)

    if not can_elicit:
        return _turn_by_turn(await operations.start_interview(inp, app.settings))
    if not modern:
        return await operations.start_interview(inp, app.settings, LiveAsker(ctx))
    responses = {qid: input_response(ctx, qid, ElicitResult) for qid in state.asked}
    asker = RoundAsker({qid: r for qid, r in responses.items() if r is not None})
    try:
        return await operations.start_interview(inp, app.settings, asker)
    except NeedInput as need:
        if state.rounds >= app.options.elicit_rounds:
            current = await operations.start_interview(inp, app.settings)
            return current.model_copy(
                update={
                    "message": "The answers so far are saved. Call start_interview again "
                    "with the same workspace to carry on asking (or send the answer to this "
                    "question with answer_question)."
                }
            )
        batch = operations.questions_together(
            SessionRef(workspace=site, session_id=state.session_id), need.question
        )
        state.asked, state.rounds = [q.id for q in batch], state.rounds + 1
        requests = {
            q.id: _elicit_request(q, need.problem if q.id == need.question.id else None)
            for q in batch
        }
        return _input_required(requests, state)


def _elicit_request(question: Question, problem: str | None) -> ElicitRequest:
    return ElicitRequest(
        params=ElicitRequestFormParams(
            message=question_message(question, problem),
            requested_schema=render_elicitation_schema(question_model(question)),
        )
    )


def _turn_by_turn(state: InterviewState) -> InterviewState:
    if state.question is None:
        return state
    return state.model_copy(update={"message": TURN_BY_TURN})
