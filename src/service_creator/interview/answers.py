"""Turning what a user typed or picked into a valid answer for a question, or a clear error."""

from __future__ import annotations

import math
import re
from typing import TypeGuard

from service_creator.domain.errors import InvalidAnswerError
from service_creator.domain.requirements import MAX_TEXT, SAFE_TEXT, AnswerValue, Option, Question
from service_creator.domain.untyped import RawAnswer

SHOWN_CHARS = 80
_YES = {"y", "yes", "true", "1", "ok", "confirm"}
_NO = {"n", "no", "false", "0", "cancel"}


def coerce(question: Question, raw: object) -> AnswerValue:
    """The canonical answer (option ids, numbers, booleans), or InvalidAnswerError saying why."""
    if raw is None:
        raise _invalid(question, "an answer is required")
    match question.kind:
        case "single_select":
            return _single(question, raw)
        case "multi_select":
            return _multi(question, raw)
        case "number":
            return _number(question, raw)
        case "confirm":
            return _confirm(question, raw)
        case _:
            return _text(question, raw)


def allowed(options: list[Option]) -> str:
    return ", ".join(o.label if o.label == o.id else f"{o.label} ({o.id})" for o in options)


def shown(raw: object, limit: int = SHOWN_CHARS) -> str:
    """`raw` quoted for a message: at most `limit` characters of it, then "…" and its length.

    An answer is quoted before anyone knows it is sane: a 10 MB answer must not come back whole.
    """
    text = raw if isinstance(raw, str) else repr(raw)
    if len(text) <= limit:
        return repr(raw)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def rejection(question: Question, raw: object) -> str | None:
    """Why `raw` does not answer `question` (without the question's name), or None if it does."""
    try:
        coerce(question, raw)
    except InvalidAnswerError as exc:
        return exc.message.removeprefix(_prefix(question))
    return None


def _prefix(question: Question) -> str:
    return f"Invalid answer for '{question.id}': "


def _invalid(question: Question, why: str) -> InvalidAnswerError:
    return InvalidAnswerError(f"{_prefix(question)}{why}")


def _match(question: Question, raw: object) -> str:
    wanted = str(raw).strip().casefold()
    for option in question.options:
        if wanted in (option.id.casefold(), option.label.casefold()):
            return option.id
    raise _invalid(
        question, f"{shown(raw)} is not an option; choose one of: {allowed(question.options)}"
    )


def _is_list(raw: object) -> TypeGuard[list[object]]:
    return isinstance(raw, list)


def _single(question: Question, raw: object) -> str:
    if _is_list(raw):
        if len(raw) != 1:
            raise _invalid(question, "choose exactly one option")
        raw = raw[0]
    return _match(question, raw)


def _multi(question: Question, raw: object) -> list[str]:
    items: list[object] = raw if _is_list(raw) else [p for p in str(raw).split(",") if p.strip()]
    chosen = list(dict.fromkeys(_match(question, item) for item in items))
    low, high = question.validation.min_selections, question.validation.max_selections
    if low is not None and len(chosen) < low:
        raise _invalid(question, f"choose at least {low} of: {allowed(question.options)}")
    if high is not None and len(chosen) > high:
        raise _invalid(question, f"choose at most {high}")
    return chosen


def _number(question: Question, raw: RawAnswer) -> int | float:
    if isinstance(raw, bool):
        raise _invalid(question, "expected a number")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise _invalid(question, f"{shown(raw)} is not a number") from None
    if not math.isfinite(value):
        raise _invalid(question, f"{shown(raw)} is not a finite number")
    low, high = question.validation.min_value, question.validation.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        raise _invalid(question, f"{value:g} is {_outside(low, high)}")
    return int(value) if value.is_integer() else value


def _outside(low: float | None, high: float | None) -> str:
    if low is None:
        return f"above {high:g}"
    return f"below {low:g}" if high is None else f"outside {low:g} to {high:g}"


def _confirm(question: Question, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise _invalid(question, "answer yes or no")


def _text(question: Question, raw: object) -> str:
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise _invalid(question, "expected text")
    text = str(raw).strip()
    limit = question.validation.max_length or MAX_TEXT
    if len(text) > limit:
        raise _invalid(question, f"at most {limit} characters (got {len(text)})")
    if question.validation.pattern:
        if not re.fullmatch(question.validation.pattern, text):
            raise _invalid(question, f"must match {question.validation.pattern}")
    elif not SAFE_TEXT.match(text):
        raise _invalid(question, "use only letters, digits, spaces and . , : ; ( ) + - _")
    return text
