"""Every operation's input and output: the one place each is declared.

The front doors derive from these models what they show their users: the MCP tools' parameters
and input schemas, the LSP commands' arguments, the CLI's flags. This module imports pydantic
and the domain's models only, so listing tools or parsing flags loads none of the work.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from service_creator.domain.node_ids import NodeIds
from service_creator.domain.reports import Finding, TestReport
from service_creator.domain.requirements import (
    AnswerValue,
    Question,
    Requirements,
    SessionStatus,
)
from service_creator.domain.wire import WireModel
from service_creator.domain.workspace_path import WorkspacePath

NOTES = "What the user should be told, e.g. a session copied from another folder"

# --- inputs ---------------------------------------------------------------------------------


class SessionRef(WireModel):
    workspace: WorkspacePath = Field(description="The project folder")
    session_id: str | None = Field(
        default=None, description="The interview's session id (default: the workspace's latest)"
    )


class StartInterviewInput(SessionRef):
    restart: bool = Field(
        default=False, description="Start a new interview instead of resuming the last"
    )


class AnswerQuestionInput(SessionRef):
    answer: AnswerValue = Field(
        description="An option (its id or label, any case; a unique start is enough) for "
        "single_select, a list of them for multi_select, a number, true/false for confirm, or "
        "text for free_text"
    )
    question_id: str | None = Field(
        default=None, description="Only to change an earlier answer: that question's id"
    )


class GenerateInput(SessionRef):
    pass


class UpdateInput(SessionRef):
    answers: dict[str, AnswerValue] = Field(
        default={},
        description="The answers to change, each a question id and its new answer (an option id "
        "or label, a list comma-separated, a number)",
    )
    conflicts: Literal["new", "markers"] = Field(
        default="new",
        description="Where a conflicting merge goes: beside your file as .new (default), or "
        "into it with conflict markers",
    )
    undo: bool = Field(
        default=False, description="Restore the files as they were before the last update"
    )


class ChangeRequirementInput(SessionRef):
    question_id: str = Field(description="The interview question whose answer changes")
    answer: AnswerValue = Field(description="Its new answer (as in answer_question)")
    more_answers: dict[str, AnswerValue] = Field(
        default={},
        description="Answers to the questions the change makes the interview ask again "
        "(question id -> answer); the error of a call without them names them",
    )
    conflicts: Literal["new", "markers"] = Field(
        default="new",
        description="Where a conflicting merge goes: beside your file as .new (default), or "
        "into it with conflict markers",
    )


class RunTestsInput(WireModel):
    workspace: WorkspacePath = Field(description="Folder of the project whose tests to run")
    warm: bool | None = Field(
        default=None, description="Reuse one prepared container for this workspace (fast re-runs)"
    )
    timeout: float | None = Field(
        default=None,
        gt=0,
        le=3600,
        description="Wall-clock limit in seconds (default from settings)",
    )
    tests: NodeIds | None = Field(
        default=None,
        description="Run only these tests (pytest node ids, e.g. tests/test_suite.py::test_x): "
        "the report holds them; the findings and the last report keep the others' last results",
    )


class FixFailureInput(SessionRef):
    test_id: str = Field(description="A failing test's id (pytest node id), from the findings")


class BuildSandboxInput(WireModel):
    pass


# --- outputs --------------------------------------------------------------------------------


class InterviewState(WireModel):
    session_id: str
    workspace: str
    status: SessionStatus
    step: int
    total_steps: int
    question: Question | None = None
    summary: str | None = None
    requirements: Requirements | None = None
    message: str = ""
    notes: list[str] = Field(default_factory=list[str], description=NOTES)


class NotWritten(WireModel):
    path: str
    reason: str = Field(description="What its check found, at which line")


class Fallback(WireModel):
    path: str
    reason: str = Field(description="Why the model's version is not the one written")


class GenerateOutput(WireModel):
    session_id: str
    workspace: str
    engine: str
    files: list[str]
    written: list[str] = []
    unchanged: list[str] = []
    conflicts: list[str] = []
    findings: list[Finding] = []
    cancelled: bool = False
    stopped: str | None = Field(
        default=None,
        description="Why a model generation stopped early (budget, provider); work kept",
    )
    status: Literal["complete", "incomplete"] = Field(
        default="complete",
        description="complete: every planned file is in the workspace (yours kept aside as "
        ".new counts); incomplete: stopped early, cancelled or some files missing",
    )
    missing: list[str] = Field(
        default_factory=list[str],
        description="Planned files not written, each as `path (why)`",
    )
    not_written: list[NotWritten] = Field(
        default_factory=list[NotWritten],
        description="Generated files withheld because they fail their check (a file that does "
        "not parse, fails ruff, is not a requirement list, echoes the prompt): nothing invalid "
        "is written",
    )
    fallbacks: list[Fallback] = Field(
        default_factory=list[Fallback],
        description="Files written as the offline engine's version, because the model's could "
        "not be made valid, disagreed with the rest, or was not made (the model down, the "
        "budget spent): the offline project is the floor",
    )
    by_model: list[str] = Field(
        default_factory=list[str], description="The files the model wrote (a model engine)"
    )
    ledger: str | None = Field(
        default=None, description="The generation's token/cost ledger (models)"
    )
    notes: list[str] = Field(default_factory=list[str], description=NOTES)


class FileUpdate(WireModel):
    path: str
    status: Literal["regenerated", "merged", "conflict", "untouched"] = Field(
        description="regenerated: replaced (you had not edited it); merged: your edits and the "
        "new generation merged cleanly; conflict: both changed the same lines (see kept_as); "
        "untouched: its text did not change"
    )
    rendered: bool = Field(description="Whether the update rendered it again")
    kept_as: str | None = Field(
        default=None, description="A conflict: the file holding the new generation"
    )
    diff: str = Field(default="", description="Unified diff of the file's change on disk")
    diff_uri: str | None = Field(
        default=None, description="MCP: the resource serving this diff (text/x-diff)"
    )


class UpdateOutput(WireModel):
    session_id: str
    workspace: str
    engine: str
    changed: list[str] = Field(
        default_factory=list[str], description="The requirements whose values changed"
    )
    files: list[FileUpdate] = []
    findings: list[Finding] = []
    obsolete: list[str] = Field(
        default_factory=list[str], description="Files the new answers no longer plan (kept)"
    )
    history: str | None = Field(default=None, description="The snapshot `--undo` restores")
    restored: list[str] = Field(default_factory=list[str], description="undo: files put back")
    deleted: list[str] = Field(default_factory=list[str], description="undo: files removed")
    notes: list[str] = Field(default_factory=list[str], description=NOTES)


class RunTestsOutput(WireModel):
    report: TestReport
    findings: list[Finding] = Field(description="Failures with file and line, for diagnostics")
    exit_code: int = Field(description="0 all passed, 1 some failed, 2 the run itself failed")


class FixFailureOutput(WireModel):
    workspace: str
    test_id: str
    engine: str
    files: list[str] = Field(default_factory=list[str], description="The files the fix changed")
    written: list[str] = []
    unchanged: list[str] = []
    conflicts: list[str] = []
    report: TestReport | None = Field(default=None, description="The tests' report after the fix")
    findings: list[Finding] = Field(
        default_factory=list[Finding], description="What still fails, with file and line"
    )
    message: str = ""


class BuildSandboxOutput(WireModel):
    image: str = Field(description="Tag of the sandbox image")


class SandboxInfoOutput(WireModel):
    engine: str
    version: str
    runtimes: list[str]
    default_runtime: str
    configured_runtime: str
    runtime: str | None = Field(description="The OCI runtime a run would use; None: see problems")
    base_image: str
    image: str | None
    image_present: bool
    problems: list[str] = []
