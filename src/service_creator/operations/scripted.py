"""An Asker that answers from a mapping of question id -> answer (an answers YAML file, a demo)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import cast

import yaml

from service_creator.domain.errors import InvalidAnswerError, ServiceCreatorError, UnsafeFileError
from service_creator.domain.requirements import AnswerValue, Question
from service_creator.domain.safe_files import read_regular_text
from service_creator.domain.untyped import RawAnswer
from service_creator.interview.answers import coerce, rejection

MAX_ANSWERS_BYTES = 1 << 20  # a real answers file is a few hundred bytes
MAX_NESTING = 8  # question id -> list of answers is 2 deep
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DEMO_ANSWERS: dict[str, AnswerValue] = {
    "service_type": "vFirewall",
    "vendors": ["Cisco"],
    "product_cisco": "Firepower Threat Defense Virtual (FTDv)",
    "service_name": "vfirewall-ftd",
    "features": ["Traffic filtering", "NAT", "Threat detection"],
    "pricing_model": "monthly",
    "price": 49,
    "vendor_api": "REST",
    "auth_methods": ["api_key", "jwt"],
    "logging": ["json", "prometheus", "audit"],
    "deployment": "both",
    "confirm": True,
}


class ScriptedAsker:
    """Answers each question from the script; a missing answer takes the question's default."""

    def __init__(
        self,
        answers: Mapping[str, RawAnswer],
        on_answer: Callable[[Question, AnswerValue], None] = lambda q, a: None,
    ) -> None:
        self.answers = dict(answers)
        self.on_answer = on_answer

    @classmethod
    def from_file(cls, path: Path, **kw: Callable[[Question, AnswerValue], None]) -> ScriptedAsker:
        data = load_answers(path)
        if not isinstance(data, dict):
            raise ServiceCreatorError(
                f"The answers file {path} must be a mapping of question id to answer",
                hint="e.g. `service_type: vFirewall`",
            )
        answers = cast(dict[str, RawAnswer], data)  # YAML: question id -> an answer to check
        return cls(answers, **kw)

    async def ask(self, question: Question, problem: str | None = None) -> AnswerValue | None:
        if problem:
            raise InvalidAnswerError(problem)
        if question.id in self.answers:
            value = self.answers[question.id]
        elif question.default is not None:
            value = question.default
        else:
            raise InvalidAnswerError(
                f"The answers file has no answer for '{question.id}' ({question.text}), "
                "and that question has no default"
            )
        if rejection(question, value) is not None:
            # not an answer to the question as worded (a model may relabel the options): the
            # interview checks it against its own question; it is not echoed unchecked
            return value
        answer = coerce(question, value)
        self.on_answer(question, answer)  # only a checked answer is shown
        return answer


def load_answers(path: Path) -> object:
    """The YAML in `path`: a regular file of at most 1 MiB, UTF-8, without aliases or anchors."""
    text = _read_text(path)
    try:
        _check_events(path, text)
        return yaml.load(text, Loader=_LOADER)  # a safe loader: plain data only
    except yaml.YAMLError as exc:
        raise ServiceCreatorError(
            f"The answers file {path} is not valid YAML: {_yaml_problem(exc)}",
            hint="fix the line it names; each line is `question_id: answer`",
        ) from None


def _read_text(path: Path) -> str:
    try:
        return read_regular_text(path, limit=MAX_ANSWERS_BYTES)
    except FileNotFoundError:
        raise ServiceCreatorError(f"There is no answers file {path}") from None
    except UnsafeFileError as exc:
        message = f"Cannot use the answers file: {exc.message}"
        raise ServiceCreatorError(message, hint=exc.hint) from None
    except OSError as exc:
        raise ServiceCreatorError(f"Cannot read the answers file {path}: {exc.strerror}") from None


def _check_events(path: Path, text: str) -> None:
    """Refuse aliases and anchors (an alias bomb expands a small file into gigabytes) and
    deep nesting, from the parser's events, before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise ServiceCreatorError(
                f"The answers file {path} uses a YAML anchor or alias (& or *) on line {line}",
                hint="write each answer out in full",
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise ServiceCreatorError(
                    f"The answers file {path} nests lists or mappings more than "
                    f"{MAX_NESTING} deep (line {line})",
                    hint="each line is `question_id: answer`, an answer a value or a list",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """The parser's complaint on one short line: what and where, never the file's text."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem:
        where = f" on line {exc.problem_mark.line + 1}" if exc.problem_mark else ""
        return f"{_clip(exc.problem)}{where}"
    return _clip(str(exc))


def _clip(text: str, limit: int = 120) -> str:
    """`text` on one line, at most `limit` characters of it (a YAML tag can be a megabyte)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else f"{line[:limit]}… ({len(line):,} characters)"
