"""The files of a generated project: the plan's specs, rendered files, and what a write did."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from service_creator.domain.wire import WireModel

# The names on a merge conflict's markers (`<<<<<<< yours`, `>>>>>>> generated`): written by the
# update's three-way merge, read back by the editor's conflict diagnostics.
CONFLICT_YOURS = "yours"
CONFLICT_GENERATED = "generated"


class FileSpec(WireModel):
    """One file of the plan: where it goes, what it is, which files it is built on, which
    names it imports from each of them (`uses`: the plan's interfaces, generation/plan.py), and
    which requirements its content reads (`reads`: fields of `Requirements`)."""

    path: str
    purpose: str
    language: Literal["python", "javascript", "yaml", "dockerfile", "sql", "markdown", "text"]
    depends_on: list[str] = []
    uses: dict[str, list[str]] = {}
    reads: list[str] = []


class GeneratedFile(WireModel):
    path: str
    content: str


class WriteResult(WireModel):
    written: list[str] = []
    unchanged: list[str] = []
    conflicts: list[str] = Field(
        default=[],
        description="Files the user changed since we wrote them; ours went beside as .new",
    )
