"""The ports: what a front door (CLI, LSP, MCP) supplies to the work it starts.

Each front door implements these with its own protocol; the operations and the
sandbox below them only see the ports.
"""

from __future__ import annotations

from typing import Protocol

from service_creator.domain.project import GeneratedFile, WriteResult
from service_creator.domain.requirements import AnswerValue, Question


class Asker(Protocol):
    async def ask(self, question: Question, problem: str | None = None) -> AnswerValue | None:
        """Ask one question; None means the user cancelled (the session pauses).

        `problem` says what was wrong with the previous answer to the same question.
        """
        ...


class Progress(Protocol):
    def report(self, done: int, total: int | None, message: str) -> None: ...

    @property
    def cancelled(self) -> bool:
        """True once the user asked to stop; long work checks it between steps."""
        ...


class Writer(Protocol):
    async def apply(self, files: list[GeneratedFile], label: str) -> WriteResult:
        """Write a generation's files as one transaction."""
        ...


class NoProgress:
    """A Progress that reports nowhere and is never cancelled."""

    def report(self, done: int, total: int | None, message: str) -> None:
        pass

    @property
    def cancelled(self) -> bool:
        return False
