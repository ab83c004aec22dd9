"""The terminal front door's ports: prompts on stdin/stderr and a progress bar."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from service_creator.domain.requirements import AnswerValue, Question


def _print(*parts: object, file: TextIO | None = None) -> None:
    print(*parts, file=file or sys.stderr, flush=True)


class TerminalAsker:
    """Asks on the terminal: choices by number, id or label; Enter takes the default."""

    async def ask(self, question: Question, problem: str | None = None) -> AnswerValue | None:
        if problem:
            _print(f"  ! {problem}")
        else:
            _print(render_question(question))
        sys.stderr.write(prompt_for(question))
        sys.stderr.flush()
        line = await asyncio.to_thread(sys.stdin.readline)  # the prompt stays off stdout
        if not line:
            _print("\nPaused. Run the same command again to resume.")
            return None
        return parse_reply(question, line)


def render_question(question: Question) -> str:
    lines = [f"\n[{question.step_number}/{question.total_steps}] {question.text}"]
    if question.explanation:
        lines.append(f"  {question.explanation}")
    for number, option in enumerate(question.options, 1):
        detail = f" - {option.description}" if option.description else ""
        lines.append(f"  {number}. {option.label}{detail}")
    return "\n".join(lines)


def prompt_for(question: Question) -> str:
    hints = {
        "multi_select": "numbers or names, comma-separated",
        "confirm": "yes/no",
        "number": "a number",
    }
    hint = hints.get(question.kind, "")
    default = question.default
    if isinstance(default, list):
        default = ", ".join(default)
    shown = f" [{default}]" if default not in (None, "") else ""
    return f"  {hint}{shown}> "


def parse_reply(question: Question, line: str) -> AnswerValue:
    """Numbers pick options; an empty line takes the default; anything else goes as typed."""
    text = line.strip()
    if not text and question.default is not None:
        return question.default
    if question.kind == "single_select":
        return _by_number(question, text)
    if question.kind == "multi_select":
        return [_by_number(question, part.strip()) for part in text.split(",") if part.strip()]
    return text


def _by_number(question: Question, text: str) -> str:
    if (
        text.isascii()
        and text.isdigit()
        and len(text) <= 4
        and 1 <= int(text) <= len(question.options)
    ):
        return question.options[int(text) - 1].id
    return text


class ProgressBar:
    """A one-line progress bar on stderr (a line per step when stderr is not a terminal)."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.live = self.stream.isatty()

    def report(self, done: int, total: int | None, message: str) -> None:
        if total:
            filled = int(self.width * done / total)
            bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} "
        else:
            bar = ""
        if self.live:
            end = "\n" if total and done >= total else ""
            self.stream.write(f"\r\033[K{bar}{message}{end}")
        else:
            self.stream.write(f"{bar}{message}\n")
        self.stream.flush()

    @property
    def cancelled(self) -> bool:
        return False
