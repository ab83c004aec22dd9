"""Turning what a user typed or picked into a valid answer for a question, or a clear error.

Every front door's answers come through `coerce` (the terminal's replies, an answers file, the
editor's and the MCP client's answers and forms). An option is picked, forgivingly, by:

1. its id or its label, ignoring case, spaces, hyphens and underscores (`normalised`):
   `site-to-site`, `Site to site`, `SITE_TO_SITE` and `site to site tunnels` all pick
   `site_to_site` ("Site-to-site tunnels"); `palo alto` and `PaloAlto` pick Palo Alto;
2. else a synonym of the question in interview.yaml's `synonyms` table (`k8s`: kubernetes);
3. else a prefix, the same way, of the id or the label of exactly one option (`Traffic`).

An input that fits several options is refused naming them; one that fits none is refused listing
the options. A saved answer is checked again without prefixes (`prefixes=False`): once the
options change, an old id must not become a prefix of another option.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import TypedDict, TypeGuard, cast

import yaml

from service_creator.domain.errors import InvalidAnswerError
from service_creator.domain.requirements import MAX_TEXT, SAFE_TEXT, AnswerValue, Option, Question
from service_creator.domain.untyped import RawAnswer
from service_creator.resources import read_data

SHOWN_CHARS = 80
_YES = {"y", "yes", "true", "1", "ok", "confirm"}
_NO = {"n", "no", "false", "0", "cancel"}


def coerce(question: Question, raw: object, *, prefixes: bool = True) -> AnswerValue:
    """The canonical answer (option ids, numbers, booleans), or InvalidAnswerError saying why.

    `prefixes=False` picks options by their whole id, label or synonym only (a saved answer).
    """
    if raw is None:
        raise _invalid(question, "an answer is required")
    match question.kind:
        case "single_select":
            return _single(question, raw, prefixes)
        case "multi_select":
            return _multi(question, raw, prefixes)
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


def rejection(question: Question, raw: object, *, prefixes: bool = True) -> str | None:
    """Why `raw` does not answer `question` (without the question's name), or None if it does."""
    try:
        coerce(question, raw, prefixes=prefixes)
    except InvalidAnswerError as exc:
        return exc.message.removeprefix(_prefix(question))
    return None


def _prefix(question: Question) -> str:
    return f"Invalid answer for '{question.id}': "


def _invalid(question: Question, why: str) -> InvalidAnswerError:
    return InvalidAnswerError(f"{_prefix(question)}{why}")


_IGNORED = re.compile(r"[\s_-]+")


def normalised(text: str) -> str:
    """`text` as options are compared: without case, spaces, hyphens and underscores."""
    return _IGNORED.sub("", text).casefold()


class _GraphSynonyms(TypedDict, total=False):
    """The part of interview.yaml read here."""

    synonyms: dict[str, dict[str, str]]  # question id -> {word: option id}


@cache
def synonyms() -> dict[str, dict[str, str]]:
    """interview.yaml's synonyms: question id -> {normalised word: option id}."""
    # safe_load returns Any; the file ships with the package and has this shape
    data = cast(_GraphSynonyms, yaml.safe_load(read_data("interview.yaml")))
    return {
        qid: {normalised(str(word)): option for word, option in words.items()}
        for qid, words in data.get("synonyms", {}).items()
    }


def candidates(question: Question, raw: object, *, prefixes: bool = True) -> list[Option]:
    """The options `raw` may mean, best fit first: those it names whole (id or label), else the
    one its synonym names, else those whose id or label it begins (when `prefixes`)."""
    wanted = normalised(str(raw))
    if not wanted:
        return []
    whole = [o for o in question.options if wanted in (normalised(o.id), normalised(o.label))]
    if whole:
        return whole
    synonym = synonyms().get(question.id, {}).get(wanted)
    named = [o for o in question.options if o.id == synonym]
    if named or not prefixes:
        return named
    return [
        o
        for o in question.options
        if normalised(o.id).startswith(wanted) or normalised(o.label).startswith(wanted)
    ]


def _match(question: Question, raw: object, prefixes: bool) -> str:
    found = candidates(question, raw, prefixes=prefixes)
    if len(found) == 1:
        return found[0].id
    if found:
        raise _invalid(
            question,
            f"{shown(raw)} could mean more than one option: {allowed(found)}; "
            "type more of the one you mean",
        )
    raise _invalid(
        question, f"{shown(raw)} is not an option; choose one of: {allowed(question.options)}"
    )


def _is_list(raw: object) -> TypeGuard[list[object]]:
    return isinstance(raw, list)


def _single(question: Question, raw: object, prefixes: bool) -> str:
    if _is_list(raw):
        if len(raw) != 1:
            raise _invalid(question, "choose exactly one option")
        raw = raw[0]
    return _match(question, raw, prefixes)


def _multi(question: Question, raw: object, prefixes: bool) -> list[str]:
    """A list, or a comma-separated string, each item matched alone; repeats count once."""
    items: list[object] = raw if _is_list(raw) else [p for p in str(raw).split(",") if p.strip()]
    chosen = list(dict.fromkeys(_match(question, item, prefixes) for item in items))
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
