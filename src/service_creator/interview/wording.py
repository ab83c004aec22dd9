"""The interview with a model: the question graph says WHAT to ask next; the model words it.

For the graph's current question the model proposes text, explanation, option labels and
descriptions (and may narrow or reorder the options) adapted to the answers so far, as JSON. The
reply is checked against `Question` and against the graph's question: the same id and kind, and
options that map onto the graph's option ids, so the requirement ids stay stable and scripted
answers keep working. Invalid JSON or fields get one repair round; still invalid (or no model
reachable), the graph's own question is asked. Worded questions are kept per session, so asking
for the current question again costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import cast

from pydantic import ValidationError

from service_creator.domain.atomic import atomic_write
from service_creator.domain.config import Settings
from service_creator.domain.confine import state_dir
from service_creator.domain.errors import InvalidAnswerError
from service_creator.domain.requirements import AnswerValue, Option, Question, Validation
from service_creator.domain.safe_files import read_project_bytes
from service_creator.interview.answers import coerce
from service_creator.interview.interview import REVISE, Interview
from service_creator.llm.breaker import Breaker, outage
from service_creator.llm.client import LLM, Message
from service_creator.llm.errors import LLMError
from service_creator.llm.ledger import Ledger
from service_creator.resources import render

log = logging.getLogger(__name__)

NOT_WORDED = frozenset({"confirm", REVISE})  # the summary and the revise list stay exact
MAX_TEXT = 500
MAX_EXPLANATION = 1000


def check_question(reply: str, graph: Question) -> tuple[Question | None, list[str]]:
    """The model's question made safe to ask, or None and what is wrong with the reply."""
    data, problems = _json_object(reply)
    if data is None:
        return None, problems
    if data.get("id") != graph.id:
        problems.append(f'"id" must be "{graph.id}", not {data.get("id")!r}')
    if data.get("kind") != graph.kind:
        problems.append(f'"kind" must be "{graph.kind}", not {data.get("kind")!r}')
    fixed = {
        **data,
        "step": graph.step,
        "step_number": graph.step_number,
        "total_steps": graph.total_steps,
    }
    fixed.pop("default", None)
    try:
        question = Question.model_validate(fixed)
    except ValidationError as exc:
        problems += [f"{'.'.join(map(str, e['loc'])) or 'reply'}: {e['msg']}" for e in exc.errors()]
        return None, problems
    if not question.text.strip() or len(question.text) > MAX_TEXT:
        problems.append(f'"text" must be a question of 1 to {MAX_TEXT} characters')
    if len(question.explanation) > MAX_EXPLANATION:
        problems.append(f'"explanation" must be at most {MAX_EXPLANATION} characters')
    options, option_problems = _map_options(question.options, graph)
    problems += option_problems
    if problems:
        return None, problems
    worded = question.model_copy(
        update={
            "options": options,
            "validation": _tightest(graph.validation, question.validation),
            "default": _default(data.get("default"), graph, options),
        }
    )
    return worded, []


def _json_object(reply: str) -> tuple[dict[str, object] | None, list[str]]:
    text = reply.strip()
    fenced = re.search(r"```(?:json)?\s*\n(.*?)```", text, re.DOTALL)
    if fenced:
        text = fenced.group(1)
    start, end = text.find("{"), text.rfind("}")
    if start < 0:
        return None, ["the reply holds no JSON object"]
    try:
        data = json.loads(text[start : end + 1] if end > start else text[start:])
    except json.JSONDecodeError as exc:
        return None, [f"the JSON does not parse: {exc.msg} at line {exc.lineno}"]
    if not isinstance(data, dict):
        return None, ["the reply must be one JSON object"]
    return cast(dict[str, object], data), []  # json.loads is untyped: an object, any values


def _map_options(offered: list[Option], graph: Question) -> tuple[list[Option], list[str]]:
    """The model's options with the graph's ids (matched by id or label); unknown ones refused."""
    if not graph.options:
        return ([], ['"options" must be an empty list'] if offered else [])
    known = {o.id.casefold(): o for o in graph.options}
    known.update({o.label.casefold(): o for o in graph.options})
    mapped: dict[str, Option] = {}
    problems: list[str] = []
    for option in offered:
        match = known.get(option.id.casefold()) or known.get(option.label.casefold())
        if match is None:
            problems.append(f'option "{option.id}" is not one of the allowed ids')
        elif match.id not in mapped:
            label = option.label.strip() or match.label
            mapped[match.id] = Option(id=match.id, label=label, description=option.description)
    if not mapped and not problems:
        problems.append('"options" must offer at least one allowed id')
    return list(mapped.values()), problems


def _tightest(graph: Validation, model: Validation) -> Validation:
    """The graph's validation; the model's only where the graph sets nothing."""
    merged = model.model_dump()
    merged.update({k: v for k, v in graph.model_dump().items() if v is not None})
    return Validation(**merged)


def _default(value: object, graph: Question, options: list[Option]) -> AnswerValue | None:
    """The model's default when it is a valid answer among the options offered, else the graph's."""
    if value is None:
        return graph.default
    offered = graph.model_copy(update={"options": options}) if options else graph
    try:
        return coerce(offered, value)
    except InvalidAnswerError:
        return graph.default


class ModelInterviewer:
    """Words the interview's questions with the `interview` stage's model."""

    def __init__(
        self,
        settings: Settings,
        workspace: Path,
        session_id: str,
        breaker: Breaker | None = None,
    ) -> None:
        """`breaker`: the interview run's (one per run, shared by its questions), so that a
        model that failed is not asked again and the run says so once."""
        self.settings = settings
        self.workspace = workspace
        self.session_id = session_id
        self.ledger = Ledger.resume(workspace, f"interview-{session_id}", "interview")
        self.whole_run = breaker is not None  # else this one question is the run
        self.breaker = breaker or Breaker()
        self.llm = LLM(settings, self.ledger, breaker=self.breaker)

    @property
    def _cache_path(self) -> Path:
        return state_dir(self.workspace) / self._cache_name

    @property
    def _cache_name(self) -> str:
        return f"interview-llm/{self.session_id}.json"

    async def current(self, interview: Interview) -> tuple[Question | None, str]:
        """The current question as the model words it (or the graph's), and a note for the user."""
        question = interview.current()
        if question is None or question.id in NOT_WORDED:
            return question, ""
        key = _key(question, interview.session.answers)
        cache = self._load_cache()
        if key in cache:
            return Question.model_validate(cache[key]), ""
        try:
            worded, note = await self._word(question, interview.session.answers)
        finally:
            self.ledger.save(finished=False)
        if worded is not question:
            cache[key] = worded.model_dump(mode="json")
            self._save_cache(cache)
        return worded, note

    async def _word(
        self, question: Question, answers: dict[str, AnswerValue]
    ) -> tuple[Question, str]:
        messages: list[Message] = [
            {"role": "system", "content": render("interview.system.j2", **_prompt(question))},
            {"role": "user", "content": render("interview.user.j2", **_data(question, answers))},
        ]
        try:
            for round_ in range(2):
                reply = await self.llm.complete("interview", messages, purpose=question.id)
                worded, problems = check_question(reply.content, question)
                if problems and reply.finish_reason == "length":
                    cap = self.settings.max_tokens_for("interview")
                    problems.insert(
                        0,
                        f"the reply was cut off at the reply cap of {cap} tokens: "
                        "answer with the JSON object only",
                    )
                if worded is not None:
                    return worded, ""
                log.warning("model question for %s unusable: %s", question.id, problems)
                if round_ == 0:
                    repair = render(
                        "interview.repair.j2", problems=problems, question_id=question.id
                    )
                    messages += [
                        {"role": "assistant", "content": reply.content},
                        {"role": "user", "content": repair},
                    ]
        except LLMError as exc:
            return question, self._failed(exc)
        return question, "The model's wording was unusable; this is the interview's own question."

    def _failed(self, exc: LLMError) -> str:
        """The note for a question the model could not word: once per run when the model is
        down (the rest of the run asks the built-in questions without calling it)."""
        down = self.breaker.first
        if down is None:
            log.warning("interview model failed: %s", exc)
            return f"The model could not word this question ({exc.message})."
        if self.breaker.announced:
            log.debug("interview model down: %s", exc)
            return ""
        self.breaker.announced = True
        rest = "the rest of the interview uses" if self.whole_run else "this is one of"
        message = f"{outage(down, self.settings.llm_timeout)}; {rest} the built-in questions"
        log.warning("%s (%s)", message, down)
        return message[0].upper() + message[1:] + "."

    def _load_cache(self) -> dict[str, object]:
        """The worded questions kept so far; none when there are none or they do not parse. A
        cache that is a link or not a regular file is refused (UnsafeFileError), not followed."""
        try:
            data = json.loads(read_project_bytes(state_dir(self.workspace), self._cache_name))
        except (FileNotFoundError, ValueError, RecursionError):
            return {}
        # json.loads is untyped: an object whose values are checked where they are used
        return cast(dict[str, object], data) if isinstance(data, dict) else {}

    def _save_cache(self, cache: dict[str, object]) -> None:
        self._cache_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self._cache_path, json.dumps(cache, indent=1))


def _key(question: Question, answers: dict[str, AnswerValue]) -> str:
    raw = json.dumps([question.model_dump(mode="json"), answers], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def _prompt(question: Question) -> dict[str, object]:
    return {
        "question": question,
        "step": question.step,
        "step_number": question.step_number,
        "total_steps": question.total_steps,
    }


def _data(question: Question, answers: dict[str, AnswerValue]) -> dict[str, object]:
    shown = question.model_dump(
        mode="json", include={"id", "text", "explanation", "kind", "options", "validation"}
    )
    return {"question": shown, "answers": answers}
