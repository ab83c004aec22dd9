"""The `serviceCreator.*` commands (registered in features.py): decode the one camelCase
argument, call the operation, encode the result.

Each command takes one object argument (its operation's input model from operations/io.py, in
camelCase; `workspace` defaults to the first workspace folder and must lie inside the client's
workspace folders, like MCP's roots) and returns the operation's output model as camelCase
JSON. A malformed argument is a JSON-RPC InvalidParams error; a ServiceCreatorError is a
JSON-RPC error with its message and hint. The work loads behind `service_creator.operations`
on the first command, not at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pydantic import Field
from pygls.exceptions import JsonRpcException
from pygls.uris import to_fs_path

from service_creator import operations
from service_creator.domain.config import Settings
from service_creator.domain.errors import ServiceCreatorError, WorkspaceError
from service_creator.domain.node_ids import NodeId
from service_creator.domain.ports import Progress
from service_creator.domain.reports import TestReport
from service_creator.domain.wire import WireModel
from service_creator.domain.workspace_path import WorkspacePath
from service_creator.frontends.lsp.asker import LspAsker
from service_creator.frontends.lsp.configuration import editor_settings
from service_creator.frontends.lsp.convert import decode, encode
from service_creator.frontends.lsp.diagnostics import GENERATE, TESTS
from service_creator.frontends.lsp.progress import LspProgress
from service_creator.frontends.lsp.rpc_errors import REQUEST_FAILED, rpc_error
from service_creator.frontends.lsp.server import Job, ServiceCreatorServer
from service_creator.frontends.lsp.writer import read_as_editor, writer_for
from service_creator.operations.io import (
    AnswerQuestionInput,
    FixFailureInput,
    GenerateInput,
    InterviewState,
    RunTestsInput,
    SessionRef,
    StartInterviewInput,
)

log = logging.getLogger(__name__)


@dataclass
class Run:
    input: Any
    settings: Any
    job: Job

    @property
    def root(self) -> Path:
        return self.input.workspace.path


@asynccontextmanager
async def running(
    ls: ServiceCreatorServer,
    name: str,
    model: type,
    arguments: Sequence[Any],
    *,
    exclusive: bool = False,
    create: bool = False,
) -> AsyncIterator[Run]:
    """Decode the argument, then run the body as a cancellable job with translated errors.

    The workspace is checked first: inside the client's workspace folders, an existing folder
    (`create`: made when missing). `exclusive` commands (the ones that write or run the
    sandbox) refuse to start while another one works in the same workspace.
    """
    try:
        inp = decode(
            model,
            arguments,
            ls.default_workspace(),
            lambda raw: ls.resolve_workspace(raw, create=create),
        )
    except ServiceCreatorError as exc:
        log.info("%s refused: %s", name, exc)
        raise rpc_error(exc) from None
    busy_key = str(inp.workspace) if exclusive else None
    if busy_key is not None:
        if busy_key in ls.state.busy:
            raise JsonRpcException(
                f"Service Creator is already working in {busy_key}; "
                "wait for it to finish or cancel it",
                code=REQUEST_FAILED,
            )
        ls.state.busy.add(busy_key)
    job = ls.start_job(name)
    try:
        yield Run(inp, await editor_settings(ls), job)
    except ServiceCreatorError as exc:
        log.info("%s failed: %s", name, exc)
        raise rpc_error(exc) from None
    finally:
        ls.end_job(job)
        if busy_key is not None:
            ls.state.busy.discard(busy_key)


# --- the interview ---------------------------------------------------------------------------


async def start_interview(ls: ServiceCreatorServer, *arguments: Any) -> Any:
    async with running(ls, "startInterview", StartInterviewInput, arguments, create=True) as run:
        state = await operations.start_interview(run.input, run.settings, LspAsker(ls, run.job))
        tell(ls, state.notes)
        interview_status(ls, state)
        return encode(state)


async def answer_question(ls: ServiceCreatorServer, *arguments: Any) -> Any:
    async with running(ls, "answerQuestion", AnswerQuestionInput, arguments) as run:
        state = await operations.answer_question(run.input, run.settings)
        interview_status(ls, state)
        return encode(state)


async def show_session(ls: ServiceCreatorServer, *arguments: Any) -> Any:
    async with running(ls, "showSession", SessionRef, arguments) as run:
        return encode(await operations.get_session(run.input, run.settings))


def tell(ls: ServiceCreatorServer, notes: Sequence[str]) -> None:
    """What the user should know (a session re-homed from another folder), as messages."""
    for note in notes:
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=note))


def interview_status(ls: ServiceCreatorServer, state: InterviewState) -> None:
    where = f"step {state.step}/{state.total_steps}"
    text = {
        "complete": "Interview complete",
        "generated": "Service generated",
        "paused": f"Interview paused at {where}",
    }.get(state.status, f"Interview: {where}")
    tooltip = state.summary or (state.question.text.splitlines()[0] if state.question else None)
    ls.status(
        text,
        tooltip=tooltip,
        session_id=state.session_id,
        resumable=state.status in ("paused", "in_progress"),
    )


# --- generation, tests, fixes ----------------------------------------------------------------


async def generate(ls: ServiceCreatorServer, *arguments: Any) -> Any:
    async with running(ls, "generate", GenerateInput, arguments, exclusive=True) as run:
        async with LspProgress(ls, run.job, "Service Creator: generating") as progress:
            output = await operations.generate_service(
                run.input, run.settings, progress, writer_for(ls, run.input.workspace)
            )
            progress.end_message = f"{len(output.written)} of {len(output.files)} files written"
        tell(ls, output.notes)
        ours = set(output.written) | set(output.unchanged)
        ls.diagnostics.forget_files(run.root, TESTS, output.written)
        ls.diagnostics.replace(
            run.root, GENERATE, [f for f in output.findings if f.location.path in ours]
        )
        if output.cancelled:
            state = "Generation cancelled"
        elif output.missing:
            state = f"Service incomplete: {len(output.missing)} files missing"
        elif output.stopped:
            state = "Service generated (model stopped early)"
        else:
            state = "Service generated"
        tooltip = f"{len(output.written)} written, {len(output.unchanged)} unchanged" + (
            f", {len(output.conflicts)} kept as yours (ours beside as .new)"
            if output.conflicts
            else ""
        )
        if output.stopped:
            tooltip += f"; stopped early: {output.stopped}"
        if output.missing:
            tooltip += "; missing: " + ", ".join(output.missing)
        if output.fallbacks:
            tooltip += f"; model {len(output.by_model)} files, offline " + ", ".join(
                f"{f.path} ({f.reason})" for f in output.fallbacks
            )
        ls.status(state, tooltip=tooltip, session_id=output.session_id)
        return encode(output)


async def run_tests(ls: ServiceCreatorServer, *arguments: Any) -> Any:
    async with running(ls, "runTests", RunTestsInput, arguments, exclusive=True) as run:
        return encode(await tests_in_sandbox(ls, run, run.input))


class RunTestInput(WireModel):
    """`serviceCreator.runTest`'s argument: the workspace and the one test to run."""

    workspace: WorkspacePath
    test_id: NodeId = Field(description="The test's pytest node id, from its diagnostic")


async def run_test(ls: ServiceCreatorServer, *arguments: Any) -> Any:
    """Run one test ("Re-run this test"): its diagnostics are replaced, the others' kept."""
    async with running(ls, "runTest", RunTestInput, arguments, exclusive=True) as run:
        inp = RunTestsInput(workspace=run.input.workspace, tests=[run.input.test_id])
        return encode(await tests_in_sandbox(ls, run, inp))


async def tests_in_sandbox(ls: ServiceCreatorServer, run: Run, inp: RunTestsInput) -> Any:
    """Run the tests, show the findings (of the whole suite, for a selection) as diagnostics."""
    title = f"Service Creator: {inp.tests[0]}" if inp.tests else "Service Creator: sandbox tests"
    async with LspProgress(ls, run.job, title) as progress:
        output = await operations.run_tests(inp, run.settings, progress, unsaved(ls, run.root))
        progress.end_message = report_summary(output.report)
    ls.diagnostics.replace(run.root, TESTS, output.findings)
    ls.status(f"Tests: {report_summary(output.report)}", tooltip=output.report.message or None)
    return output


async def fix_failure(ls: ServiceCreatorServer, *arguments: Any) -> Any:
    async def run_in_sandbox(
        workspace: WorkspacePath, settings: Settings, progress: Progress
    ) -> TestReport:
        overlay = unsaved(ls, workspace.path)
        return await operations.sandbox_tests(workspace, settings, progress, overlay)

    async with running(ls, "fixFailure", FixFailureInput, arguments, exclusive=True) as run:
        async with LspProgress(
            ls, run.job, f"Service Creator: fixing {run.input.test_id}"
        ) as progress:
            output = await operations.fix_failure(
                run.input,
                run.settings,
                progress,
                writer_for(ls, run.input.workspace),
                run_tests=run_in_sandbox,
            )
        if output.report is not None:
            ls.diagnostics.replace(run.root, TESTS, output.findings)
            summary = report_summary(output.report)
            ls.status(f"Tests: {summary}", tooltip=output.report.message or None)
        return encode(output)


async def change_requirement(ls: ServiceCreatorServer, *arguments: Any) -> Any:
    """Change an answer after generation (frontends/lsp/update.py)."""
    from service_creator.frontends.lsp import update

    model = update.ChangeRequirementArgs
    async with running(ls, "changeRequirement", model, arguments, exclusive=True) as run:
        return await update.change_requirement(ls, run.input, run.settings, run.job)


def report_summary(report: TestReport) -> str:
    parts = [f"{report.passed} passed", f"{report.failed} failed"]
    if report.errors:
        parts.append(f"{report.errors} errors")
    if report.outcome not in ("passed", "failed", "error"):
        parts.append(report.outcome.replace("_", " "))
    return ", ".join(parts)


def unsaved(ls: ServiceCreatorServer, root: Path) -> dict[str, str]:
    """The open documents under `root` whose text differs from the file on disk, by relative
    path: the sandbox tests these instead of the saved files (what the user sees)."""
    overlay = {}
    for uri, doc in list(ls.workspace.text_documents.items()):
        path = to_fs_path(uri)
        resolved = Path(path).resolve() if path is not None else None
        if resolved is None or not resolved.is_relative_to(root):
            continue
        try:
            on_disk = read_as_editor(Path(path))
        except WorkspaceError:
            continue
        if on_disk != doc.source:
            overlay[resolved.relative_to(root).as_posix()] = doc.source
    return overlay
